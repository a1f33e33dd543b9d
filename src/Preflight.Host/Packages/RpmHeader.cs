using System.Buffers.Binary;
using System.Text;

namespace Preflight.Host.Packages;

/// <summary>
/// One rpm header structure (the signature header and the main header share it): magic 8e ad e8, version 01,
/// 4 reserved bytes, big-endian entry count and store size, then 16-byte index entries (tag, type, offset, count)
/// pointing into the data store. Every entry is checked against the store before it is read.
/// </summary>
internal sealed class RpmHeader
{
    public const int TagName = 1000;
    public const int TagVersion = 1001;
    public const int TagRelease = 1002;
    public const int TagEpoch = 1003;
    public const int TagArch = 1022;
    public const int TagOldFileNames = 1027;
    public const int TagFileSizes = 1028;
    public const int TagFileModes = 1030;
    public const int TagFileLinkTos = 1036;
    public const int TagDirIndexes = 1116;
    public const int TagBaseNames = 1117;
    public const int TagDirNames = 1118;
    public const int TagPayloadFormat = 1124;
    public const int TagPayloadCompressor = 1125;
    public const int TagLongFileSizes = 5008;

    private const int TypeInt16 = 3;
    private const int TypeInt32 = 4;
    private const int TypeInt64 = 5;
    private const int TypeString = 6;
    private const int TypeStringArray = 8;
    private const int TypeI18nString = 9;

    private const int PreambleSize = 16;
    private const int IndexEntrySize = 16;

    // rpm's own limits (lib/header.c): at most 0xffff index entries and a 256 MiB store.
    private const int MaxEntries = 0xFFFF;
    private const int MaxStoreBytes = 256 << 20;

    private readonly Dictionary<int, (int Type, int Offset, int Count)> _entries;
    private readonly byte[] _store;
    private readonly string _file;
    private readonly long _storeOffset;

    private RpmHeader(Dictionary<int, (int, int, int)> entries, byte[] store, string file, long storeOffset, long totalSize)
    {
        _entries = entries;
        _store = store;
        _file = file;
        _storeOffset = storeOffset;
        TotalSize = totalSize;
    }

    /// <summary>Bytes from the header's magic to the end of its store.</summary>
    public long TotalSize { get; }

    /// <summary>Reads the header that starts at <paramref name="offset"/>.</summary>
    public static RpmHeader Read(Stream stream, long offset, string file, string what)
    {
        Span<byte> preamble = stackalloc byte[PreambleSize];
        stream.Position = offset;
        if (stream.ReadAtLeast(preamble, PreambleSize, throwOnEndOfStream: false) < PreambleSize)
        {
            throw new PackageFormatException(file, offset, $"{what} is cut short by the end of the file");
        }
        if (preamble[0] != 0x8e || preamble[1] != 0xad || preamble[2] != 0xe8 || preamble[3] != 0x01)
        {
            throw new PackageFormatException(file, offset, $"{what} has a bad magic {Convert.ToHexString(preamble[..4])} (expected 8EADE801)");
        }
        uint count = BinaryPrimitives.ReadUInt32BigEndian(preamble[8..]);
        uint storeSize = BinaryPrimitives.ReadUInt32BigEndian(preamble[12..]);
        if (count == 0 || count > MaxEntries || storeSize > MaxStoreBytes)
        {
            throw new PackageFormatException(file, offset + 8, $"{what} claims {count} entries and {storeSize} bytes of data, outside rpm's limits");
        }
        long totalSize = PreambleSize + (long)count * IndexEntrySize + storeSize;
        if (totalSize > stream.Length - offset)
        {
            throw new PackageFormatException(file, offset, $"{what} of {totalSize} bytes runs past the end of the file");
        }

        var index = new byte[count * IndexEntrySize];
        stream.ReadExactly(index);
        var store = new byte[storeSize];
        stream.ReadExactly(store);
        long storeOffset = offset + PreambleSize + index.Length;

        var entries = new Dictionary<int, (int, int, int)>();
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> entry = index.AsSpan(i * IndexEntrySize, IndexEntrySize);
            int tag = BinaryPrimitives.ReadInt32BigEndian(entry);
            int type = BinaryPrimitives.ReadInt32BigEndian(entry[4..]);
            int dataOffset = BinaryPrimitives.ReadInt32BigEndian(entry[8..]);
            int itemCount = BinaryPrimitives.ReadInt32BigEndian(entry[12..]);
            if (dataOffset < 0 || dataOffset > store.Length || itemCount < 0 || itemCount > store.Length + 1)
            {
                throw new PackageFormatException(file, offset + PreambleSize + (long)i * IndexEntrySize,
                    $"{what} entry for tag {tag} points outside its {store.Length}-byte data store");
            }
            entries.TryAdd(tag, (type, dataOffset, itemCount));
        }
        return new RpmHeader(entries, store, file, storeOffset, totalSize);
    }

    public bool Has(int tag) => _entries.ContainsKey(tag);

    public string? GetString(int tag)
    {
        if (!_entries.TryGetValue(tag, out var entry))
        {
            return null;
        }
        if (entry.Type is not (TypeString or TypeI18nString or TypeStringArray))
        {
            throw Bad(tag, entry.Offset, $"is type {entry.Type}, not a string");
        }
        // For an i18n string or array the first item is the untranslated one.
        return ReadStrings(tag, entry.Offset, 1)[0];
    }

    public string[] GetStringArray(int tag)
    {
        if (!_entries.TryGetValue(tag, out var entry))
        {
            return [];
        }
        if (entry.Type is not (TypeStringArray or TypeI18nString or TypeString))
        {
            throw Bad(tag, entry.Offset, $"is type {entry.Type}, not a string array");
        }
        return ReadStrings(tag, entry.Offset, entry.Count);
    }

    /// <summary>Integer values of an INT16 (read unsigned, as rpm's file modes are), INT32 or INT64 entry.</summary>
    public long[] GetIntegers(int tag)
    {
        if (!_entries.TryGetValue(tag, out var entry))
        {
            return [];
        }
        int width = entry.Type switch
        {
            TypeInt16 => 2,
            TypeInt32 => 4,
            TypeInt64 => 8,
            _ => throw Bad(tag, entry.Offset, $"is type {entry.Type}, not an integer"),
        };
        if ((long)entry.Count * width > _store.Length - entry.Offset)
        {
            throw Bad(tag, entry.Offset, $"has {entry.Count} values that run past the data store");
        }
        var values = new long[entry.Count];
        ReadOnlySpan<byte> data = _store.AsSpan(entry.Offset);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = width switch
            {
                2 => BinaryPrimitives.ReadUInt16BigEndian(data[(i * 2)..]),
                4 => BinaryPrimitives.ReadInt32BigEndian(data[(i * 4)..]),
                _ => BinaryPrimitives.ReadInt64BigEndian(data[(i * 8)..]),
            };
        }
        return values;
    }

    private string[] ReadStrings(int tag, int offset, int count)
    {
        var strings = new string[count];
        int position = offset;
        for (int i = 0; i < count; i++)
        {
            int length = position < _store.Length ? _store.AsSpan(position).IndexOf((byte)0) : -1;
            if (length < 0)
            {
                throw Bad(tag, position, "has a string with no terminating NUL inside the data store");
            }
            strings[i] = Encoding.UTF8.GetString(_store, position, length);
            position += length + 1;
        }
        return strings;
    }

    private PackageFormatException Bad(int tag, int storePosition, string problem) =>
        new(_file, _storeOffset + storePosition, $"rpm header tag {tag} {problem}");
}
