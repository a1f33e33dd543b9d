using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Reads the build information the Go linker embeds (what `go version -m` prints): the blob that starts with
/// "\xff Go buildinf:" in .go.buildinfo (or wherever the magic is, for binaries without sections). Two layouts:
/// Go 1.18+ stores the Go version and the module text inline as varint-prefixed strings (flag bit 2); older
/// linkers store two pointers to Go string headers, which we map through the ELF segments.
/// </summary>
public static class GoBuildInfoReader
{
    // Spelled as bytes: a "\xff"u8 literal would be UTF-8 encoded to C3 BF.
    private static ReadOnlySpan<byte> Magic => [0xFF, (byte)' ', (byte)'G', (byte)'o', (byte)' ', (byte)'b', (byte)'u',
        (byte)'i', (byte)'l', (byte)'d', (byte)'i', (byte)'n', (byte)'f', (byte)':'];

    /// <summary>Where each field of the build-info header sits (cmd/link writes it; debug/buildinfo reads it).</summary>
    private static class HeaderFields
    {
        public const int Size = 32;
        public const int PointerSize = 14; // right after the 14-byte magic
        public const int Flags = 15; // bit 0: big-endian pointers; bit 1: inline varint strings (Go 1.18+)
        public const int VersionPointer = 16; // pre-1.18: pointer to the version's string header, then modinfo's
    }

    private const byte FlagBigEndian = 1;
    private const byte FlagInlineStrings = 2;
    private const int MaxStringLength = 1 << 20;

    public static GoBuildInfo? Read(ElfFile? elf, ReadOnlySpan<byte> data) => ReadAt(elf, data, FindBlob(elf, data));

    /// <summary>
    /// As <see cref="Read(ElfFile?, ReadOnlySpan{byte})"/> over a binary handed out in views: the .go.buildinfo section
    /// when there is one, else the first 16-byte-aligned magic in <paramref name="dataRanges"/>.
    /// </summary>
    internal static GoBuildInfo? Read(ElfFile elf, BinaryBytes bytes, IReadOnlyList<FileRange> dataRanges)
    {
        var section = elf.FindSection(".go.buildinfo");
        if (section is not null)
        {
            using var view = bytes.Map();
            return Read(elf, view.Memory.Span);
        }
        foreach (var window in bytes.Windows(dataRanges))
        {
            int start = FindAlignedMagic(window.Span, window.Start, window.End);
            if (start >= 0)
            {
                return ReadAt(elf, window.Span, start);
            }
        }
        return null;
    }

    private static GoBuildInfo? ReadAt(ElfFile? elf, ReadOnlySpan<byte> data, int start)
    {
        if (start < 0 || data.Length - start < HeaderFields.Size)
        {
            return null;
        }
        var header = data.Slice(start, HeaderFields.Size);
        int pointerSize = header[HeaderFields.PointerSize];
        byte flags = header[HeaderFields.Flags];
        string? version, modinfo;
        if ((flags & FlagInlineStrings) != 0)
        {
            int position = start + HeaderFields.Size;
            version = ReadVarintString(data, ref position);
            modinfo = version is null ? null : ReadVarintString(data, ref position);
        }
        else
        {
            if (elf is null || (pointerSize != 4 && pointerSize != 8))
            {
                return null;
            }
            bool bigEndian = (flags & FlagBigEndian) != 0;
            version = ReadPointedString(elf, data, header.Slice(HeaderFields.VersionPointer, pointerSize), pointerSize, bigEndian);
            modinfo = ReadPointedString(elf, data, header.Slice(HeaderFields.VersionPointer + pointerSize, pointerSize), pointerSize, bigEndian);
        }
        if (string.IsNullOrEmpty(version))
        {
            return null;
        }
        return Parse(version, TrimSentinels(modinfo ?? ""));
    }

    /// <summary>Parses the module text: path/mod/dep/=>/build lines, tab separated.</summary>
    public static GoBuildInfo Parse(string goVersion, string modinfo)
    {
        string? path = null;
        GoModule? main = null;
        var modules = new List<GoModule>();
        var settings = new List<KeyValuePair<string, string>>();
        foreach (string line in modinfo.Split('\n'))
        {
            string[] parts = line.Split('\t');
            switch (parts[0])
            {
                case "path" when parts.Length >= 2:
                    path = parts[1];
                    break;
                case "mod" when parts.Length >= 3:
                    main = Module(parts);
                    break;
                case "dep" when parts.Length >= 3:
                    modules.Add(Module(parts));
                    break;
                case "=>" when parts.Length >= 3:
                    // A replacement applies to the line just above it: the main module or the last dependency.
                    var replacement = Module(parts);
                    if (modules.Count > 0)
                    {
                        modules[^1] = modules[^1] with { Replacement = replacement };
                    }
                    else if (main is not null)
                    {
                        main = main with { Replacement = replacement };
                    }
                    break;
                case "build" when parts.Length >= 2:
                    string setting = string.Join('\t', parts[1..]);
                    int equals = setting.IndexOf('=');
                    if (equals > 0)
                    {
                        settings.Add(new(GoQuoting.Unquote(setting[..equals]), GoQuoting.Unquote(setting[(equals + 1)..])));
                    }
                    break;
            }
        }
        return new GoBuildInfo(goVersion, path, main, modules, settings);
    }

    private static GoModule Module(string[] parts) =>
        new(parts[1], parts[2], parts.Length >= 4 && parts[3].Length > 0 ? parts[3] : null);

    private static int FindBlob(ElfFile? elf, ReadOnlySpan<byte> data)
    {
        var section = elf?.FindSection(".go.buildinfo");
        if (section is not null && section.HasFileData && section.Size >= HeaderFields.Size
            && data.Slice((int)section.Offset, Magic.Length).SequenceEqual(Magic))
        {
            return (int)section.Offset;
        }
        return FindAlignedMagic(data, 0, data.Length);
    }

    /// <summary>
    /// No section headers (or an unusual layout): the linker aligns the blob to 16 bytes, which a stray copy of the
    /// magic (e.g. inside the Go toolchain's own code) usually is not. Finds the first one starting in [from, to).
    /// </summary>
    private static int FindAlignedMagic(ReadOnlySpan<byte> data, int from, int to)
    {
        int searchEnd = (int)Math.Min(data.Length, (long)to + Magic.Length - 1);
        while (from < to)
        {
            int index = data[from..searchEnd].IndexOf(Magic);
            if (index < 0)
            {
                return -1;
            }
            int candidate = from + index;
            if (candidate % 16 == 0 && candidate + HeaderFields.Size <= data.Length)
            {
                return candidate;
            }
            from = candidate + 1;
        }
        return -1;
    }

    private static string? ReadVarintString(ReadOnlySpan<byte> data, ref int position)
    {
        if (!ProtoWireWalker.TryReadVarint(data, ref position, out ulong length)
            || length > MaxStringLength || length > (ulong)(data.Length - position))
        {
            return null;
        }
        string text = Encoding.UTF8.GetString(data.Slice(position, (int)length));
        position += (int)length;
        return text;
    }

    /// <summary>Follows a pointer to a Go string header (data pointer, length) and reads the string.</summary>
    private static string? ReadPointedString(ElfFile elf, ReadOnlySpan<byte> data, ReadOnlySpan<byte> pointer, int pointerSize, bool bigEndian)
    {
        ulong headerAddress = ReadWord(pointer, pointerSize, bigEndian);
        if (!elf.TryMapAddress(headerAddress, (ulong)(2 * pointerSize), out long headerOffset))
        {
            return null;
        }
        var stringHeader = data.Slice((int)headerOffset, 2 * pointerSize);
        ulong address = ReadWord(stringHeader, pointerSize, bigEndian);
        ulong length = ReadWord(stringHeader[pointerSize..], pointerSize, bigEndian);
        if (length > MaxStringLength || !elf.TryMapAddress(address, length, out long offset))
        {
            return null;
        }
        return Encoding.UTF8.GetString(data.Slice((int)offset, (int)length));
    }

    private static ulong ReadWord(ReadOnlySpan<byte> data, int size, bool bigEndian) => (size, bigEndian) switch
    {
        (8, false) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data),
        (8, true) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(data),
        (_, false) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(data),
        (_, true) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(data),
    };

    /// <summary>The module text is wrapped in two 16-byte sentinels so the runtime can find it; drop them.</summary>
    private static string TrimSentinels(string modinfo) =>
        modinfo.Length >= 33 && modinfo[^17] == '\n' ? modinfo[16..^16] : modinfo;
}
