using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>The fields of the EROFS superblock this reader needs.</summary>
internal sealed record ErofsSuperblock(
    int BlockSizeBits,
    long RootNid,
    long InodeCount,
    long BlockCount,
    long MetaBlockAddress,
    uint FeatureIncompat,
    int ExtraDevices)
{
    public int BlockSize => 1 << BlockSizeBits;

    public long MetaStart => MetaBlockAddress << BlockSizeBits;

    public bool Has(uint feature) => (FeatureIncompat & feature) != 0;

    /// <summary>True when the bytes at offset 1024 start with the EROFS magic.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> superblock) =>
        superblock.Length >= 4 && BinaryPrimitives.ReadUInt32LittleEndian(superblock) == ErofsFormat.Magic;

    /// <summary>Parses and validates the 128-byte superblock read from offset 1024.</summary>
    public static ErofsSuperblock Parse(ReadOnlySpan<byte> raw, string source)
    {
        const long at = ErofsFormat.SuperblockOffset;
        if (raw.Length < ErofsFormat.SuperblockSize)
        {
            throw new ImageFormatException(source, at, "volume is too small to hold an EROFS superblock");
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(raw);
        if (magic != ErofsFormat.Magic)
        {
            throw new ImageFormatException(source, at,
                $"not an EROFS filesystem: superblock magic is 0x{magic:X8}, expected 0x{ErofsFormat.Magic:X8}");
        }
        int blockSizeBits = raw[12];
        // Linux accepts 512-byte blocks up to the page size; 64 KiB pages exist on arm64 and ppc64le.
        if (blockSizeBits < 9 || blockSizeBits > 16)
        {
            throw new ImageFormatException(source, at + 12, $"EROFS block size 2^{blockSizeBits} is not supported");
        }
        uint incompat = BinaryPrimitives.ReadUInt32LittleEndian(raw[80..]);
        uint unknown = incompat & ~ErofsFormat.KnownIncompatFeatures;
        if (unknown != 0)
        {
            throw new ImageFormatException(source, at + 80,
                $"EROFS image uses incompatible features this reader does not know (0x{unknown:X})");
        }
        return new ErofsSuperblock(
            BlockSizeBits: blockSizeBits,
            RootNid: BinaryPrimitives.ReadUInt16LittleEndian(raw[14..]),
            InodeCount: (long)BinaryPrimitives.ReadUInt64LittleEndian(raw[16..]),
            BlockCount: BinaryPrimitives.ReadUInt32LittleEndian(raw[36..]),
            MetaBlockAddress: BinaryPrimitives.ReadUInt32LittleEndian(raw[40..]),
            FeatureIncompat: incompat,
            ExtraDevices: BinaryPrimitives.ReadUInt16LittleEndian(raw[86..]));
    }
}
