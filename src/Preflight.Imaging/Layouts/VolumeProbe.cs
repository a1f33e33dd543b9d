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
    public const string Verity = "verity";

    private static ReadOnlySpan<byte> VeritySignature => "verity\0\0"u8;

    /// <summary>"ext4", "xfs", "erofs", "verity", or null when nothing is recognised.</summary>
    public static string? Identify(Stream volume)
    {
        Span<byte> head = stackalloc byte[8];
        if (SectorReader.TryReadAt(volume, 0, head) && head.SequenceEqual(VeritySignature))
        {
            return Verity;
        }
        if (Ext4FileSystem.Probe(volume))
        {
            return "ext4";
        }
        if (XfsFileSystem.Probe(volume))
        {
            return "xfs";
        }
        if (ErofsFileSystem.Probe(volume))
        {
            return "erofs";
        }
        return null;
    }

    public static IFileSystem Open(string fileSystemType, Stream volume, string sourceName) => fileSystemType switch
    {
        "ext4" => Ext4FileSystem.Open(volume, sourceName),
        "xfs" => XfsFileSystem.Open(volume, sourceName),
        "erofs" => ErofsFileSystem.Open(volume, sourceName),
        _ => throw new ImageFormatException(sourceName, null, $"no reader for a {fileSystemType} volume"),
    };

    /// <summary>The partition Kata boots: its kernel line says root=/dev/vda1 (virtio-blk) or /dev/pmem0p1 (nvdimm).</summary>
    public const int KataRootPartition = 1;

    /// <summary>
    /// The root filesystem Kata boots: partition 1, whatever carries a boot flag (a flag means nothing to Kata, and
    /// an image with a different agent on a flagged partition 2 must not be judged by that agent); with a measured
    /// rootfs partition 2 is the dm-verity hash device of partition 1. A bare image is its own volume.
    /// Returns null when that volume holds no filesystem we can read.
    /// </summary>
    public static (PartitionInfo Partition, string FileSystemType)? ChooseRootfs(Stream image, DiskLayout layout)
    {
        PartitionInfo? root = layout.Layout == "bare"
            ? layout.Partitions[0]
            : layout.Partitions.FirstOrDefault(p => p.Number == KataRootPartition && !MbrTable.IsExtended(p));
        if (root is null)
        {
            return null;
        }
        string? type = Identify(new StreamSlice(image, root.Offset, root.Length));
        return type is null || type == Verity ? null : (root, type);
    }
}
