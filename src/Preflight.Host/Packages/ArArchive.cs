using System.Buffers.Text;
using System.Text;

namespace Preflight.Host.Packages;

/// <summary>One member of an ar archive: its name and where its bytes are in the file.</summary>
internal sealed record ArMember(string Name, long DataOffset, long Size);

/// <summary>
/// Reads the member table of a Unix ar archive (the container of a .deb): the global header "!&lt;arch&gt;\n", then
/// per member a 60-byte text header (name 16, mtime 12, uid 6, gid 6, mode 8, size 10, "`\n") and the data padded
/// to an even length. Names may be plain, GNU style ("name/", or "/123" into a "//" table) or BSD style
/// ("#1/len", the name stored in front of the data). Sizes are checked against the file.
/// </summary>
internal static class ArArchive
{
    private const int HeaderSize = 60;
    private const int MaxMembers = 1024;
    private const int MaxNameLength = 4096;
    private static readonly byte[] GlobalHeader = "!<arch>\n"u8.ToArray();

    public static IReadOnlyList<ArMember> ReadMembers(Stream stream, string file)
    {
        long fileLength = stream.Length;
        Span<byte> magic = stackalloc byte[8];
        stream.Position = 0;
        if (stream.ReadAtLeast(magic, 8, throwOnEndOfStream: false) < 8 || !magic.SequenceEqual(GlobalHeader))
        {
            throw new PackageFormatException(file, 0, "not an ar archive (no \"!<arch>\" header), so not a .deb");
        }

        var members = new List<ArMember>();
        byte[]? gnuNameTable = null;
        Span<byte> header = stackalloc byte[HeaderSize];
        long position = 8;
        while (position < fileLength)
        {
            if (members.Count >= MaxMembers)
            {
                throw new PackageFormatException(file, position, $"more than {MaxMembers} ar members");
            }
            if (fileLength - position < HeaderSize)
            {
                throw new PackageFormatException(file, position, "ar member header is cut short by the end of the file");
            }
            stream.Position = position;
            stream.ReadExactly(header);
            if (header[58] != (byte)'`' || header[59] != (byte)'\n')
            {
                throw new PackageFormatException(file, position + 58, "ar member header does not end with \"`\\n\"");
            }
            long size = ParseDecimal(header.Slice(48, 10), file, position + 48);
            long dataOffset = position + HeaderSize;
            if (size > fileLength - dataOffset)
            {
                throw new PackageFormatException(file, position + 48, $"ar member size {size} runs past the end of the file ({fileLength - dataOffset} bytes left)");
            }

            string rawName = Encoding.ASCII.GetString(header[..16]).TrimEnd(' ');
            string name;
            if (rawName == "//")
            {
                // GNU long-name table: kept to decode "/123" names, not a member of its own.
                gnuNameTable = ReadBytes(stream, dataOffset, size, file);
                position = NextMember(dataOffset, size);
                continue;
            }
            if (rawName == "/" || rawName == "/SYM64/")
            {
                position = NextMember(dataOffset, size); // symbol table of a static library; never in a .deb
                continue;
            }
            if (rawName.StartsWith("#1/", StringComparison.Ordinal))
            {
                long nameLength = ParseDecimal(Encoding.ASCII.GetBytes(rawName[3..]), file, position);
                if (nameLength > MaxNameLength || nameLength > size)
                {
                    throw new PackageFormatException(file, position, $"BSD ar name length {nameLength} is larger than the member");
                }
                name = Encoding.UTF8.GetString(ReadBytes(stream, dataOffset, nameLength, file)).TrimEnd('\0');
                dataOffset += nameLength;
                size -= nameLength;
            }
            else if (rawName.Length > 1 && rawName[0] == '/' && char.IsAsciiDigit(rawName[1]))
            {
                name = GnuLongName(gnuNameTable, rawName, file, position);
            }
            else
            {
                name = rawName.EndsWith('/') ? rawName[..^1] : rawName;
            }
            members.Add(new ArMember(name, dataOffset, size));
            position = NextMember(dataOffset, size);
        }
        return members;
    }

    /// <summary>Members start on even offsets: an odd-sized member is followed by one "\n".</summary>
    private static long NextMember(long dataOffset, long size) => dataOffset + size + (size & 1);

    private static string GnuLongName(byte[]? table, string rawName, string file, long headerOffset)
    {
        if (table is null)
        {
            throw new PackageFormatException(file, headerOffset, $"ar name {rawName} refers to a long-name table that is missing");
        }
        long start = ParseDecimal(Encoding.ASCII.GetBytes(rawName[1..]), file, headerOffset);
        if (start >= table.Length)
        {
            throw new PackageFormatException(file, headerOffset, $"ar name {rawName} points past the long-name table");
        }
        ReadOnlySpan<byte> rest = table.AsSpan((int)start);
        int end = rest.IndexOf((byte)'\n');
        ReadOnlySpan<byte> name = end < 0 ? rest : rest[..end];
        if (name.EndsWith("/"u8))
        {
            name = name[..^1];
        }
        return Encoding.UTF8.GetString(name);
    }

    private static byte[] ReadBytes(Stream stream, long offset, long count, string file)
    {
        if (count > MaxNameLength * 64)
        {
            throw new PackageFormatException(file, offset, $"ar name table of {count} bytes is implausibly large");
        }
        var bytes = new byte[count];
        stream.Position = offset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    private static long ParseDecimal(ReadOnlySpan<byte> field, string file, long offset)
    {
        ReadOnlySpan<byte> digits = field.TrimEnd((byte)' ');
        if (digits.IsEmpty || !Utf8Parser.TryParse(digits, out long value, out int consumed) || consumed != digits.Length || value < 0)
        {
            throw new PackageFormatException(file, offset, $"ar header number \"{Encoding.ASCII.GetString(field).Trim()}\" is not a decimal size");
        }
        return value;
    }
}
