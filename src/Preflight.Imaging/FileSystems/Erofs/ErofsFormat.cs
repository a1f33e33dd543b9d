namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>On-disk constants of EROFS (Linux fs/erofs/erofs_fs.h). All integers on disk are little-endian.</summary>
internal static class ErofsFormat
{
    public const uint Magic = 0xE0F5E1E2;

    /// <summary>The superblock sits 1024 bytes into the volume, like ext2's, whatever the block size.</summary>
    public const int SuperblockOffset = 1024;

    public const int SuperblockSize = 128;

    /// <summary>Inodes are addressed in 32-byte slots: position = meta_blkaddr * block size + nid * 32.</summary>
    public const int InodeSlotSize = 32;

    public const int CompactInodeSize = 32;

    public const int ExtendedInodeSize = 64;

    public const int DirentSize = 12;

    public const int MaxNameLength = 255;

    public const uint NullAddress = 0xFFFFFFFF;

    // feature_incompat bits; some bits were given two names over time and mean the same on disk.
    public const uint FeatureZeroPadding = 0x01;
    public const uint FeatureBigPcluster = 0x02; // also COMPR_CFGS
    public const uint FeatureChunkedFile = 0x04;
    public const uint FeatureDeviceTable = 0x08; // also COMPR_HEAD2
    public const uint FeatureZTailPacking = 0x10;
    public const uint FeatureFragments = 0x20; // also DEDUPE
    public const uint FeatureXattrPrefixes = 0x40;

    /// <summary>Every incompatible feature this reader understands (or can safely ignore, like xattr prefixes).</summary>
    public const uint KnownIncompatFeatures = 0x7F;
}

/// <summary>i_format bits 1-3: how an inode's data is laid out.</summary>
public enum ErofsDataLayout
{
    FlatPlain = 0,
    CompressedFull = 1,
    FlatInline = 2,
    CompressedCompact = 3,
    ChunkBased = 4,
}

/// <summary>The two-bit type of one logical cluster in a compressed file's index.</summary>
internal enum LclusterType
{
    /// <summary>Starts an extent whose pcluster is stored uncompressed.</summary>
    Plain = 0,

    /// <summary>Starts an extent compressed with the inode's first algorithm.</summary>
    Head1 = 1,

    /// <summary>Continues the extent that started at an earlier lcluster.</summary>
    NonHead = 2,

    /// <summary>Starts an extent compressed with the inode's second algorithm.</summary>
    Head2 = 3,
}

/// <summary>h_advise bits of a compressed inode's map header.</summary>
[Flags]
internal enum CompressionAdvise
{
    None = 0,
    Compacted2B = 0x01,
    BigPcluster1 = 0x02,
    BigPcluster2 = 0x04,
    InlinePcluster = 0x08,
    InterlacedPcluster = 0x10,
    FragmentPcluster = 0x20,
}
