using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// The fields of the primary XFS superblock (sector 0 of AG 0, big-endian) that a reader needs, checked for
/// consistency so every later computation (inode and block addresses) can trust them.
/// </summary>
internal sealed class XfsSuperblock
{
    public const uint Magic = 0x58465342; // "XFSB"

    /// <summary>Bytes of the superblock we read; every field we use lies below this.</summary>
    public const int ReadSize = 512;

    // Incompatible features that do not change how files and directories are laid out for a reader:
    // ftype, sparse inode chunks, meta uuid, bigtime, needsrepair, 64-bit extent counters (handled in the inode),
    // exchange-range and parent pointers (extra xattrs only).
    private const uint IncompatFtype = 0x1;
    private const uint IncompatNrext64 = 0x20;
    private const uint KnownIncompat = 0x1 | 0x2 | 0x4 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80;

    private XfsSuperblock()
    {
    }

    public int BlockSize { get; private init; }

    public int BlockLog { get; private init; }

    public long DataBlocks { get; private init; }

    public ulong RootInode { get; private init; }

    public uint AgBlocks { get; private init; }

    public uint AgCount { get; private init; }

    public int AgBlockLog { get; private init; }

    public int InodeSize { get; private init; }

    public int InodesPerBlockLog { get; private init; }

    /// <summary>Directory blocks are 2^DirBlockLog filesystem blocks.</summary>
    public int DirBlockSize { get; private init; }

    /// <summary>Directory entries carry a file-type byte (always on v5).</summary>
    public bool HasFileType { get; private init; }

    /// <summary>Inodes flagged NREXT64 keep a 64-bit extent count in what was padding.</summary>
    public bool HasLargeExtentCounts { get; private init; }

    public long SizeInBytes => DataBlocks * BlockSize;

    public static bool HasMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && BinaryPrimitives.ReadUInt32BigEndian(data) == Magic;

    public static XfsSuperblock Parse(ReadOnlySpan<byte> sb, string source)
    {
        if (!HasMagic(sb))
        {
            throw Bad(source, 0, "not an XFS filesystem (superblock magic is not \"XFSB\")");
        }
        int version = BinaryPrimitives.ReadUInt16BigEndian(sb[100..]) & 0xF;
        if (version != 5)
        {
            throw Bad(source, 100, $"XFS superblock version {version} is not supported (only v5, the mkfs default since 2015)");
        }

        uint blockSize = BinaryPrimitives.ReadUInt32BigEndian(sb[4..]);
        int blockLog = sb[120];
        if (blockLog < 9 || blockLog > 16 || blockSize != 1u << blockLog)
        {
            throw Bad(source, 4, $"XFS block size {blockSize} (log {blockLog}) is not a power of two between 512 and 65536");
        }

        ulong dataBlocks = BinaryPrimitives.ReadUInt64BigEndian(sb[8..]);
        uint agBlocks = BinaryPrimitives.ReadUInt32BigEndian(sb[84..]);
        uint agCount = BinaryPrimitives.ReadUInt32BigEndian(sb[88..]);
        int agBlockLog = sb[124];
        // The AG block log is the number of bits an AG-relative block number takes in inode and block numbers.
        if (agBlocks < 64 || agCount == 0 || agBlockLog > 31 || (1UL << agBlockLog) < agBlocks
            || (agBlockLog > 0 && (1UL << (agBlockLog - 1)) >= agBlocks))
        {
            throw Bad(source, 84, $"XFS allocation group geometry is inconsistent ({agCount} AGs of {agBlocks} blocks, agblklog {agBlockLog})");
        }
        if (dataBlocks == 0 || dataBlocks > (ulong)agCount * agBlocks || dataBlocks > (ulong)(long.MaxValue / blockSize))
        {
            throw Bad(source, 8, $"XFS data block count {dataBlocks} does not fit {agCount} AGs of {agBlocks} blocks");
        }

        int inodeSize = BinaryPrimitives.ReadUInt16BigEndian(sb[104..]);
        int inodeLog = sb[122];
        int inodesPerBlock = BinaryPrimitives.ReadUInt16BigEndian(sb[106..]);
        int inodesPerBlockLog = sb[123];
        if (inodeLog < 8 || inodeLog > 11 || inodeSize != 1 << inodeLog || inodeSize > blockSize
            || inodesPerBlock != blockSize / inodeSize || inodesPerBlockLog != blockLog - inodeLog)
        {
            throw Bad(source, 104, $"XFS inode geometry is inconsistent (size {inodeSize}, {inodesPerBlock} per block)");
        }
        if (agBlockLog + inodesPerBlockLog > 32)
        {
            throw Bad(source, 124, "XFS AG-relative inode numbers would not fit 32 bits");
        }

        int dirBlockLog = sb[192];
        if (blockLog + dirBlockLog > 16)
        {
            throw Bad(source, 192, $"XFS directory block size 2^{blockLog + dirBlockLog} is larger than 64 KiB");
        }

        uint incompat = BinaryPrimitives.ReadUInt32BigEndian(sb[216..]);
        if ((incompat & ~KnownIncompat) != 0)
        {
            throw Bad(source, 216, $"XFS filesystem uses unknown incompatible features 0x{incompat & ~KnownIncompat:x}");
        }

        return new XfsSuperblock
        {
            BlockSize = (int)blockSize,
            BlockLog = blockLog,
            DataBlocks = (long)dataBlocks,
            RootInode = BinaryPrimitives.ReadUInt64BigEndian(sb[56..]),
            AgBlocks = agBlocks,
            AgCount = agCount,
            AgBlockLog = agBlockLog,
            InodeSize = inodeSize,
            InodesPerBlockLog = inodesPerBlockLog,
            DirBlockSize = (int)blockSize << dirBlockLog,
            HasFileType = (incompat & IncompatFtype) != 0,
            HasLargeExtentCounts = (incompat & IncompatNrext64) != 0,
        };
    }

    private static ImageFormatException Bad(string source, long offset, string problem) => new(source, offset, problem);
}
