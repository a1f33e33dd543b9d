using Preflight.Formats.Streams;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.FileSystems.Erofs;
using Preflight.Imaging.FileSystems.Ext4;
using Preflight.Imaging.FileSystems.Xfs;

namespace Preflight.Imaging.Layouts;

/// <summary>
/// Says what a volume (a partition, or a whole bare image) holds by looking at its superblocks, and opens it.
/// A dm-verity hash device is recognised only so it can be skipped: it is never the rootfs.
/// </summary>
public static class VolumeProbe
{
    private static ReadOnlySpan<byte> VeritySignature => "verity\0\0"u8;

    /// <summary>True when the volume is a dm-verity hash device (its superblock starts "verity\0\0").</summary>
    public static bool IsVerity(Stream volume)
    {
        Span<byte> head = stackalloc byte[8];
        return SectorReader.TryReadAt(volume, 0, head) && head.SequenceEqual(VeritySignature);
    }

    /// <summary>The filesystem on the volume, or null when none is recognised (a dm-verity hash device holds none).</summary>
    public static FileSystemType? Identify(Stream volume)
    {
        if (IsVerity(volume))
        {
            return null;
        }
        if (Ext4FileSystem.Probe(volume))
        {
            return FileSystemType.Ext4;
        }
        if (XfsFileSystem.Probe(volume))
        {
            return FileSystemType.Xfs;
        }
        if (ErofsFileSystem.Probe(volume))
        {
            return FileSystemType.Erofs;
        }
        return null;
    }

    public static IFileSystem Open(FileSystemType fileSystemType, Stream volume, string sourceName) => fileSystemType switch
    {
        FileSystemType.Ext4 => Ext4FileSystem.Open(volume, sourceName),
        FileSystemType.Xfs => XfsFileSystem.Open(volume, sourceName),
        FileSystemType.Erofs => ErofsFileSystem.Open(volume, sourceName),
        _ => throw new ImageFormatException(sourceName, null, $"no reader for a {fileSystemType.Name()} volume"),
    };

    /// <summary>The partition Kata boots: its kernel line says root=/dev/vda1 (virtio-blk) or /dev/pmem0p1 (nvdimm).</summary>
    public const int KataRootPartition = 1;

    /// <summary>
    /// The root filesystem Kata boots: partition 1, whatever carries a boot flag (a flag means nothing to Kata, and
    /// an image with a different agent on a flagged partition 2 must not be judged by that agent); with a measured
    /// rootfs partition 2 is the dm-verity hash device of partition 1. A bare image is its own volume.
    /// Returns null when that volume holds no filesystem we can read.
    /// </summary>
    public static (PartitionInfo Partition, FileSystemType FileSystemType)? ChooseRootfs(Stream image, DiskLayout layout)
    {
        PartitionInfo? root = layout.Layout == ImageLayout.Bare
            ? layout.Partitions[0]
            : layout.Partitions.FirstOrDefault(p => p.Number == KataRootPartition && !MbrTable.IsExtended(p));
        if (root is null)
        {
            return null;
        }
        FileSystemType? type = Identify(new StreamSlice(image, root.Offset, root.Length));
        return type is FileSystemType found ? (root, found) : null;
    }
}
