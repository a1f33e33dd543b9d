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

    /// <summary>
    /// The partition holding the root filesystem: boot-flagged partitions first (osbuilder's measured rootfs marks
    /// the rootfs bootable), then in table order; extended partitions and verity hash devices are skipped.
    /// Returns null when no partition holds a filesystem we can read.
    /// </summary>
    public static (PartitionInfo Partition, string FileSystemType)? ChooseRootfs(Stream image, DiskLayout layout)
    {
        IEnumerable<PartitionInfo> candidates = layout.Partitions
            .Where(p => !MbrTable.IsExtended(p))
            .OrderByDescending(p => p.Bootable)
            .ThenBy(p => p.Number);
        foreach (PartitionInfo partition in candidates)
        {
            var volume = new StreamSlice(image, partition.Offset, partition.Length);
            string? type = Identify(volume);
            if (type is not null && type != Verity)
            {
                return (partition, type);
            }
        }
        return null;
    }
}
