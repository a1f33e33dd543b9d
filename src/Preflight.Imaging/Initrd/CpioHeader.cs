using Preflight.Imaging.FileSystems;

namespace Preflight.Imaging.Initrd;

/// <summary>
/// A cpio "newc" (070701) or "crc" (070702) header: 110 ASCII bytes, the magic then thirteen 8-digit hex fields.
/// The crc format's checksum is not verified: the kernel does not verify it either.
/// </summary>
internal readonly record struct CpioHeader(
    uint Ino, uint Mode, uint NLink, uint FileSize, uint DevMajor, uint DevMinor, uint NameSize)
{
    public const int Size = 110;

    public FileKind Kind => (Mode & 0xF000) switch
    {
        0x8000 => FileKind.File,
        0x4000 => FileKind.Directory,
        0xA000 => FileKind.Symlink,
        _ => FileKind.Other,
    };

    public static bool HasMagic(ReadOnlySpan<byte> head) =>
        head.Length >= 6 && (head[..6].SequenceEqual("070701"u8) || head[..6].SequenceEqual("070702"u8));

    /// <summary>Parses a header; the message of the exception says which field is bad.</summary>
    public static CpioHeader Parse(ReadOnlySpan<byte> raw)
    {
        if (!HasMagic(raw))
        {
            string what = raw.Length >= 6 && raw[..6].SequenceEqual("070707"u8)
                ? "an old portable (odc, 070707) cpio header, which the kernel does not unpack"
                : "no cpio newc header magic (070701/070702)";
            throw new InvalidDataException(what);
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
