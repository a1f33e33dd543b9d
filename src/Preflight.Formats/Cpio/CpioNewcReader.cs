using System.Text;
using Preflight.Formats.Streams;

namespace Preflight.Formats.Cpio;

/// <summary>One entry of a cpio archive: its header, its name and where it sits in the (decompressed) data.</summary>
/// <param name="NameLength">The name's length in bytes as stored, without the NUL.</param>
public sealed record CpioEntry(CpioHeader Header, string Name, int NameLength, long HeaderOffset, long DataOffset)
{
    public long Size => Header.FileSize;
}

/// <summary>
/// Walks one cpio "newc"/"crc" archive forward, as the kernel's initramfs unpacker and rpm do: a 110-byte ASCII-hex
/// header, the name (NUL-terminated) padded to 4 bytes, the data padded to 4 bytes, up to "TRAILER!!!" or the end
/// of the data at an entry boundary. The current entry's data is read through <see cref="ReadData"/> or
/// <see cref="OpenData"/>, or skipped by the next <see cref="Next"/>. Bad data is an InvalidDataException saying
/// what and at which offset of the archive's data; counting entries and bounding their sizes is the caller's.
/// </summary>
public sealed class CpioNewcReader
{
    /// <summary>Longest name (with its NUL) an entry may have: PATH_MAX, and far above any real one.</summary>
    public const int MaxNameBytes = 4096;

    private static ReadOnlySpan<byte> Trailer => "TRAILER!!!"u8;

    private readonly ForwardReader _input;
    private readonly long _archiveStart;
    private readonly byte[] _header = new byte[CpioHeader.Size];
    private readonly byte[] _name = new byte[MaxNameBytes];
    private CpioEntry? _current;
    private long _dataLeft;

    /// <summary>An archive that starts at the input's current position (padding counts from there).</summary>
    public CpioNewcReader(ForwardReader input)
    {
        _input = input;
        _archiveStart = input.Position;
    }

    /// <summary>True once <see cref="Next"/> has returned null at TRAILER!!!, false when the data simply ended.</summary>
    public bool ReachedTrailer { get; private set; }

    /// <summary>The next entry; null at the trailer (its data and padding consumed) or at the end of the data.</summary>
    public CpioEntry? Next()
    {
        if (_current is CpioEntry previous)
        {
            SkipData();
            SkipPadding(previous.HeaderOffset);
            _current = null;
        }
        if (ReachedTrailer)
        {
            return null;
        }

        long headerAt = _input.Position;
        if (!_input.TryReadExactly(_header))
        {
            if (_input.Position == headerAt)
            {
                return null;
            }
            throw new InvalidDataException($"cpio header at offset {headerAt} is cut short: the data ends inside it");
        }
        CpioHeader header;
        try
        {
            header = CpioHeader.Parse(_header);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{e.Message} at offset {headerAt}");
        }
        if (header.NameSize == 0 || header.NameSize > MaxNameBytes)
        {
            throw new InvalidDataException($"cpio entry at offset {headerAt} has a name of {header.NameSize} bytes (must be 1..{MaxNameBytes})");
        }
        Span<byte> rawName = _name.AsSpan(0, (int)header.NameSize);
        if (!_input.TryReadExactly(rawName))
        {
            throw new InvalidDataException($"cpio entry name at offset {headerAt} is cut short: the data ends inside it");
        }
        int nul = rawName.IndexOf((byte)0);
        ReadOnlySpan<byte> nameBytes = nul >= 0 ? rawName[..nul] : rawName;
        SkipPadding(headerAt);

        if (nameBytes.SequenceEqual(Trailer))
        {
            Skip(header.FileSize, "TRAILER!!!");
            SkipPadding(headerAt);
            ReachedTrailer = true;
            return null;
        }

        string name = Encoding.UTF8.GetString(nameBytes);
        long dataAt = _input.Position;
        if (_input.KnownLength is long known && header.FileSize > known - dataAt)
        {
            throw new InvalidDataException(
                $"cpio entry {name} claims {header.FileSize} bytes but only {Math.Max(0, known - dataAt)} remain: it runs past the end of the archive");
        }
        _current = new CpioEntry(header, name, nameBytes.Length, headerAt, dataAt);
        _dataLeft = header.FileSize;
        return _current;
    }

    /// <summary>Fills destination from the current entry's data (at most what is left of it).</summary>
    public void ReadData(Span<byte> destination)
    {
        CpioEntry entry = Current();
        if (destination.Length > _dataLeft)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), $"{entry.Name} has {_dataLeft} bytes of data left");
        }
        if (!_input.TryReadExactly(destination))
        {
            throw CutShort(entry.Name, destination.Length);
        }
        _dataLeft -= destination.Length;
    }

    /// <summary>Skips what is left of the current entry's data.</summary>
    public void SkipData()
    {
        CpioEntry entry = Current();
        Skip(_dataLeft, entry.Name);
        _dataLeft = 0;
    }

    /// <summary>
    /// What is left of the current entry's data as a forward-only stream over this reader's input, valid until
    /// <see cref="Next"/>; it ends early, without an error, when the data does (the caller knows the size).
    /// </summary>
    public Stream OpenData()
    {
        Current();
        return new EntryData(this);
    }

    private CpioEntry Current() =>
        _current ?? throw new InvalidOperationException("no current cpio entry: call Next first");

    /// <summary>newc pads the header+name and the data each to a multiple of 4 bytes from the archive's start.</summary>
    private void SkipPadding(long headerAt)
    {
        long misalignment = (_input.Position - _archiveStart) % 4;
        if (misalignment != 0 && !_input.TrySkip(4 - misalignment))
        {
            throw new InvalidDataException($"cpio entry at offset {headerAt} is cut short: the data ends in its padding");
        }
    }

    private void Skip(long count, string name)
    {
        if (!_input.TrySkip(count))
        {
            throw CutShort(name, count);
        }
    }

    private static InvalidDataException CutShort(string name, long count) =>
        new($"cpio entry {name} is cut short: the data ends inside its {count} bytes (truncated archive)");

    private sealed class EntryData(CpioNewcReader reader) : ForwardOnlyStream
    {
        public override int Read(Span<byte> buffer)
        {
            if (buffer.Length > reader._dataLeft)
            {
                buffer = buffer[..(int)reader._dataLeft];
            }
            int read = reader._input.Read(buffer);
            reader._dataLeft -= read;
            return read;
        }
    }
}
