using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// The fields of the ext2/3/4 superblock (1024 bytes at byte 1024 of the volume) this reader needs, checked for
/// sanity so every later computation (group counts, inode offsets) stays in range.
/// </summary>
internal sealed class Ext4Superblock
{
    public const int Offset = 1024;
    public const int Size = 1024;
    public const ushort Magic = 0xEF53;
    public const int MagicOffset = 0x38;

    // Incompatible features: a reader that does not understand one must not read the filesystem.
    private const uint IncompatCompression = 0x1;
    public const uint IncompatFileType = 0x2;
    private const uint IncompatJournalDev = 0x8;
    public const uint IncompatMetaBg = 0x10;
    public const uint Incompat64Bit = 0x80;
    public const uint IncompatInlineData = 0x8000;
    private const uint IncompatKnown = 0x3FFFF;

    public const uint CompatSparseSuper2 = 0x200;
    public const uint RoCompatSparseSuper = 0x1;

    private Ext4Superblock()
    {
    }

    public uint InodesCount { get; private init; }

    public long BlocksCount { get; private init; }

    public uint FirstDataBlock { get; private init; }

    public int BlockSize { get; private init; }

    public uint BlocksPerGroup { get; private init; }

    public uint InodesPerGroup { get; private init; }

    public int InodeSize { get; private init; }

    public uint FeatureCompat { get; private init; }

    public uint FeatureIncompat { get; private init; }

    public uint FeatureRoCompat { get; private init; }

    /// <summary>Bytes per group descriptor: 32, or s_desc_size with the 64bit feature.</summary>
    public int DescriptorSize { get; private init; }

    public uint FirstMetaBg { get; private init; }

    /// <summary>sparse_super2 keeps backup superblocks only in these two groups (0 = none).</summary>
    public uint BackupGroup0 { get; private init; }

    public uint BackupGroup1 { get; private init; }

    public long GroupCount => (BlocksCount - FirstDataBlock + BlocksPerGroup - 1) / BlocksPerGroup;

    public bool Has(uint incompatFeature) => (FeatureIncompat & incompatFeature) != 0;

    /// <summary>True when the volume carries the ext2/3/4 magic number.</summary>
    public static bool HasMagic(ReadOnlySpan<byte> superblock) =>
        superblock.Length >= MagicOffset + 2 && BinaryPrimitives.ReadUInt16LittleEndian(superblock[MagicOffset..]) == Magic;

    public static Ext4Superblock Parse(ReadOnlySpan<byte> sb, string source)
    {
        if (!HasMagic(sb))
        {
            ushort found = BinaryPrimitives.ReadUInt16LittleEndian(sb[MagicOffset..]);
            throw Bad(source, MagicOffset, $"not an ext2/3/4 filesystem: superblock magic is 0x{found:X4}, expected 0xEF53");
        }

        uint logBlockSize = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x18..]);
        if (logBlockSize > 6)
        {
            throw Bad(source, 0x18, $"block size 1024 << {logBlockSize} is out of range (at most 64 KiB)");
        }
        int blockSize = 1024 << (int)logBlockSize;

        uint revision = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x4C..]);
        uint incompat = revision == 0 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(sb[0x60..]);
        if ((incompat & IncompatCompression) != 0 || (incompat & IncompatJournalDev) != 0 || (incompat & ~IncompatKnown) != 0)
        {
            throw Bad(source, 0x60, $"unsupported incompatible features 0x{incompat:X}");
        }

        bool is64Bit = (incompat & Incompat64Bit) != 0;
        long blocksCount = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x04..]);
        if (is64Bit)
        {
            blocksCount |= (long)BinaryPrimitives.ReadUInt32LittleEndian(sb[0x150..]) << 32;
        }

        int inodeSize = revision == 0 ? 128 : BinaryPrimitives.ReadUInt16LittleEndian(sb[0x58..]);
        if (inodeSize < 128 || inodeSize > blockSize || (inodeSize & (inodeSize - 1)) != 0)
        {
            throw Bad(source, 0x58, $"inode size {inodeSize} is invalid");
        }

        int descriptorSize = 32;
        if (is64Bit)
        {
            descriptorSize = BinaryPrimitives.ReadUInt16LittleEndian(sb[0xFE..]);
            if (descriptorSize < 32 || descriptorSize > 1024 || (descriptorSize & (descriptorSize - 1)) != 0)
            {
                throw Bad(source, 0xFE, $"group descriptor size {descriptorSize} is invalid");
            }
        }

        var result = new Ext4Superblock
        {
            InodesCount = BinaryPrimitives.ReadUInt32LittleEndian(sb),
            BlocksCount = blocksCount,
            FirstDataBlock = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x14..]),
            BlockSize = blockSize,
            BlocksPerGroup = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x20..]),
            InodesPerGroup = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x28..]),
            InodeSize = inodeSize,
            FeatureCompat = revision == 0 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(sb[0x5C..]),
            FeatureIncompat = incompat,
            FeatureRoCompat = revision == 0 ? 0 : BinaryPrimitives.ReadUInt32LittleEndian(sb[0x64..]),
            DescriptorSize = descriptorSize,
            FirstMetaBg = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x104..]),
            BackupGroup0 = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x24C..]),
            BackupGroup1 = BinaryPrimitives.ReadUInt32LittleEndian(sb[0x250..]),
        };

        // A bitmap block covers at most 8 * blockSize blocks or inodes: larger groups cannot exist.
        long maxPerGroup = 8L * blockSize;
        if (result.BlocksPerGroup == 0 || result.BlocksPerGroup > maxPerGroup)
        {
            throw Bad(source, 0x20, $"blocks per group {result.BlocksPerGroup} is invalid");
        }
        if (result.InodesPerGroup == 0 || result.InodesPerGroup > maxPerGroup)
        {
            throw Bad(source, 0x28, $"inodes per group {result.InodesPerGroup} is invalid");
        }
        if (result.BlocksCount <= result.FirstDataBlock || result.FirstDataBlock > 1)
        {
            throw Bad(source, 0x04, $"block count {result.BlocksCount} / first data block {result.FirstDataBlock} are invalid");
        }
        if (result.InodesCount == 0 || result.InodesCount > result.GroupCount * result.InodesPerGroup)
        {
            throw Bad(source, 0x00, $"inode count {result.InodesCount} does not fit {result.GroupCount} groups");
        }
        return result;
    }

    private static ImageFormatException Bad(string source, long field, string problem) =>
        new(source, Offset + field, "ext4 superblock: " + problem);
}
