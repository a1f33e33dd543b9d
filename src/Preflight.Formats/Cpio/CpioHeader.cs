namespace Preflight.Formats.Cpio;

/// <summary>
/// A cpio "newc" (070701) or "crc" (070702) header: 110 ASCII bytes, the magic then thirteen 8-digit hex fields.
/// The crc format's checksum is not verified: neither the kernel nor rpm verifies it.
/// </summary>
public readonly record struct CpioHeader(
    uint Ino, uint Mode, uint NLink, uint FileSize, uint DevMajor, uint DevMinor, uint NameSize)
{
    public const int Size = 110;

    /// <summary>The file type bits of <see cref="Mode"/> (S_IFMT), as stat(2) has them.</summary>
    public uint FileType => Mode & 0xF000;

    public bool IsRegularFile => FileType == 0x8000;

    public bool IsDirectory => FileType == 0x4000;

    public bool IsSymlink => FileType == 0xA000;

    public static bool HasMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 6 && (head[..6].SequenceEqual("070701"u8) || head[..6].SequenceEqual("070702"u8));

    /// <summary>Parses a header; the message of the InvalidDataException says which field is bad.</summary>
    public static CpioHeader Parse(ReadOnlySpan<byte> raw)
    {
        if (!HasMagic(raw))
        {
            throw new InvalidDataException(MagicProblem(raw));
        }
        return new CpioHeader(
            Ino: Field(raw, 0, "c_ino"),
            Mode: Field(raw, 1, "c_mode"),
            NLink: Field(raw, 4, "c_nlink"),
            FileSize: Field(raw, 6, "c_filesize"),
            DevMajor: Field(raw, 7, "c_devmajor"),
            DevMinor: Field(raw, 8, "c_devminor"),
            NameSize: Field(raw, 11, "c_namesize"));
    }

    /// <summary>Names the cpio variants that are not newc, so the error says which one was found.</summary>
    private static string MagicProblem(ReadOnlySpan<byte> raw)
    {
        if (raw.Length >= 6 && raw[..6].SequenceEqual("070707"u8))
        {
            return "an old portable (odc, 070707) cpio header, which neither the kernel nor rpm unpacks";
        }
        if (raw.Length >= 6 && raw[..5].SequenceEqual("07070"u8) && raw[5] == (byte)'X')
        {
            return "an rpm stripped cpio header (07070X, packages with files over 4 GiB), which is not supported";
        }
        return "no cpio newc header magic (070701/070702)";
    }

    private static uint Field(ReadOnlySpan<byte> raw, int index, string name)
    {
        ReadOnlySpan<byte> digits = raw.Slice(6 + index * 8, 8);
        uint value = 0;
        foreach (byte b in digits)
        {
            int digit = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => throw new InvalidDataException($"cpio header field {name} is not hexadecimal"),
            };
            value = (value << 4) | (uint)digit;
        }
        return value;
    }
}
