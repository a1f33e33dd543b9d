using System.Buffers.Text;
using System.Text;

namespace Preflight.Host.Packages;

/// <summary>One cpio newc entry's header fields that matter here.</summary>
internal sealed record CpioEntry(string Name, int Mode, long Inode, int LinkCount, long Size);

/// <summary>
/// Walks a cpio "newc" archive (magic 070701, or 070702 with checksums) forward through a non-seekable stream:
/// a 110-byte ASCII-hex header, the NUL-terminated name padded to 4 bytes, the data padded to 4 bytes, ending
/// at "TRAILER!!!". The data of the current entry is read through <see cref="OpenData"/>, or skipped.
/// </summary>
internal sealed class CpioNewcReader
{
    private const int HeaderSize = 110;
    private const int MaxNameSize = 4096;

    private readonly Stream _stream;
    private readonly string _file;
    private long _position;
    private long _dataRemaining;
    private int _dataPadding;

    public CpioNewcReader(Stream stream, string file)
    {
        _stream = stream;
        _file = file;
    }

    /// <summary>The next entry, or null at the trailer.</summary>
    public CpioEntry? Next()
    {
        Skip(_dataRemaining + _dataPadding);
        _dataRemaining = 0;
        _dataPadding = 0;

        long headerAt = _position;
        Span<byte> header = stackalloc byte[HeaderSize];
        ReadExactly(header, "cpio header");
        if (header[..5].SequenceEqual("07070"u8) && header[5] == (byte)'X')
        {
            throw new PackageFormatException(_file, null, $"payload uses rpm's stripped cpio format (files over 4 GiB), which is not supported (uncompressed offset {headerAt})");
        }
        if (!header[..6].SequenceEqual("070701"u8) && !header[..6].SequenceEqual("070702"u8))
        {
            throw new PackageFormatException(_file, null, $"payload is not a cpio newc archive: bad magic \"{Printable(header[..6])}\" at uncompressed offset {headerAt}");
        }
        // Fields after the magic, 8 hex digits each: ino, mode, uid, gid, nlink, mtime, filesize, devmajor,
        // devminor, rdevmajor, rdevminor, namesize, check.
        long inode = Hex(header, 0, headerAt);
        long mode = Hex(header, 1, headerAt);
        long links = Hex(header, 4, headerAt);
        long size = Hex(header, 6, headerAt);
        long nameSize = Hex(header, 11, headerAt);
        if (nameSize is < 1 or > MaxNameSize)
        {
            throw new PackageFormatException(_file, null, $"cpio name size {nameSize} is out of range at uncompressed offset {headerAt}");
        }

        var nameBytes = new byte[nameSize];
        ReadExactly(nameBytes, "cpio name");
        Skip(Pad4(HeaderSize + nameSize));
        string name = Encoding.UTF8.GetString(nameBytes.AsSpan(0, (int)nameSize - 1));
        if (name == "TRAILER!!!")
        {
            return null;
        }
        _dataRemaining = size;
        _dataPadding = Pad4(size);
        return new CpioEntry(name, (int)mode, inode, (int)Math.Min(links, int.MaxValue), size);
    }

    /// <summary>
    /// The current entry's data. The returned stream reads from the underlying one; it is valid until Next().
    /// </summary>
    public Stream OpenData(params IDisposable[] owned)
    {
        long size = _dataRemaining;
        _dataRemaining = 0;
        _dataPadding = 0; // the caller stops reading this archive after taking an entry's data
        return new PackageEntryStream(_stream, size, _file, "cpio entry", owned);
    }

    private static int Pad4(long length) => (int)((4 - (length & 3)) & 3);

    private long Hex(ReadOnlySpan<byte> header, int field, long headerAt)
    {
        ReadOnlySpan<byte> digits = header.Slice(6 + field * 8, 8);
        if (!Utf8Parser.TryParse(digits, out uint value, out int consumed, 'X') || consumed != 8)
        {
            throw new PackageFormatException(_file, null, $"cpio header field {field} \"{Printable(digits)}\" is not hexadecimal at uncompressed offset {headerAt}");
        }
        return value;
    }

    private void ReadExactly(Span<byte> buffer, string what)
    {
        int read = _stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        _position += read;
        if (read < buffer.Length)
        {
            throw new PackageFormatException(_file, null, $"payload ends inside a {what} at uncompressed offset {_position} (no cpio trailer)");
        }
    }

    private void Skip(long count)
    {
        Span<byte> scratch = stackalloc byte[8192];
        while (count > 0)
        {
            int chunk = (int)Math.Min(count, scratch.Length);
            int read = _stream.Read(scratch[..chunk]);
            if (read == 0)
            {
                throw new PackageFormatException(_file, null, $"payload ends {count} bytes early at uncompressed offset {_position}");
            }
            _position += read;
            count -= read;
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        foreach (byte b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7f ? (char)b : '?');
        }
        return text.ToString();
    }
}
