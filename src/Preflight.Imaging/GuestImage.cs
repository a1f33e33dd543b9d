using Preflight.Formats;
using Preflight.Formats.Streams;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Initrd;
using Preflight.Imaging.Layouts;

namespace Preflight.Imaging;

/// <summary>
/// Opens a Kata guest image file, whatever its shape: an initrd (cpio, possibly compressed), or a disk image in
/// osbuilder's DAX layout, a plain MBR, a GPT, or a bare filesystem. The file is opened read-only, shared for
/// writers (a running VMM may hold it), and every byte read is counted.
/// </summary>
public static class GuestImage
{
    public const string NotAGuestImage = "not a Kata guest image: no partition table, filesystem or initrd recognised";

    /// <summary>
    /// Opens the image; an initrd keeps the usual agent paths' content in memory while it is scanned, since the agent
    /// is what the caller reads next (a second decompression of the archive otherwise).
    /// </summary>
    public static OpenedImage Open(string path) => Open(path, AgentFriendlyLimits);

    private static InitrdLimits AgentFriendlyLimits { get; } = InitrdLimits.Default with { KeepInMemory = Agent.AgentLocator.LikelyAgentPaths };

    public static OpenedImage Open(string path, InitrdLimits initrdLimits)
    {
        // A guest image may be a block device (a VMM can boot one); a FIFO or /dev/zero would hang or never end.
        if (InputFile.Refusal(path, allowBlockDevice: true) is string refusal)
        {
            throw new ImageFormatException(path, null, refusal);
        }
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 4096, FileOptions.RandomAccess);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ImageFormatException(path, null, $"cannot open the image: {e.Message}", e);
        }
        var counting = new CountingStream(file);
        try
        {
            return OpenOn(counting, path, initrdLimits);
        }
        catch
        {
            counting.Dispose();
            throw;
        }
    }

    private static OpenedImage OpenOn(CountingStream image, string path, InitrdLimits initrdLimits)
    {
        // Compression and cpio magics come first: a gzip or cpio header can never be a partition table, while the
        // reverse test (an MBR signature at 510) could be fooled by compressed bytes.
        if (InitrdFileSystem.Probe(image))
        {
            InitrdFileSystem initrd = InitrdFileSystem.Open(image, path, initrdLimits);
            var whole = new PartitionInfo(0, 0, image.Length, "", false);
            return new OpenedImage(path, ImageLayout.Initrd, initrd, whole, [], image);
        }

        DiskLayout layout = LayoutDetector.Detect(image, path);
        (PartitionInfo Partition, FileSystemType FileSystemType)? rootfs = VolumeProbe.ChooseRootfs(image, layout);
        if (rootfs is null)
        {
            if (layout.Layout == ImageLayout.Bare)
            {
                throw new ImageFormatException(path, null, NotAGuestImage);
            }
            string seen = string.Join(", ", layout.Partitions.Select(p => $"#{p.Number} type {p.Type} at byte {p.Offset}"));
            throw new ImageFormatException(path, null,
                $"{layout.Layout.Name()} partition table found but partition {VolumeProbe.KataRootPartition}, the one Kata boots (root=/dev/vda1), holds no ext4, xfs or erofs filesystem ({seen})");
        }
        (PartitionInfo partition, FileSystemType type) = rootfs.Value;
        var volume = new StreamSlice(image, partition.Offset, partition.Length);
        IFileSystem fs = VolumeProbe.Open(type, volume, path);
        IReadOnlyList<PartitionInfo> partitions = layout.Layout == ImageLayout.Bare ? [] : layout.Partitions;
        PartitionInfo? verity = partitions.FirstOrDefault(p => p != partition
            && VolumeProbe.IsVerity(new StreamSlice(image, p.Offset, p.Length)));
        return new OpenedImage(path, layout.Layout, fs, partition, partitions, image) { VerityHashPartition = verity };
    }
}

/// <summary>
/// A guest image opened for reading: where the root filesystem is and a reader for it. Dispose closes the file.
/// </summary>
public sealed class OpenedImage : IDisposable
{
    private readonly CountingStream _image;

    internal OpenedImage(string path, ImageLayout layout, IFileSystem fileSystem, PartitionInfo rootfs, IReadOnlyList<PartitionInfo> partitions, CountingStream image)
    {
        Path = path;
        Layout = layout;
        FileSystem = fileSystem;
        RootfsPartition = rootfs;
        Partitions = partitions;
        _image = image;
    }

    public string Path { get; }

    public ImageLayout Layout { get; }

    public FileSystemType FileSystemType => FileSystem.FileSystemType;

    /// <summary>The partition (or whole file) the filesystem was read from.</summary>
    public PartitionInfo RootfsPartition { get; }

    public long PartitionOffset => RootfsPartition.Offset;

    public long PartitionLength => RootfsPartition.Length;

    /// <summary>Every partition the table lists (empty for bare images and initrds).</summary>
    public IReadOnlyList<PartitionInfo> Partitions { get; }

    public IFileSystem FileSystem { get; }

    /// <summary>The dm-verity hash partition of a measured rootfs (MEASURED_ROOTFS=yes), or null.</summary>
    public PartitionInfo? VerityHashPartition { get; init; }

    public long ImageLength => _image.Length;

    /// <summary>Bytes read from the image file so far, everything included.</summary>
    public long BytesRead => _image.BytesRead;

    public void Dispose()
    {
        FileSystem.Dispose();
        _image.Dispose();
    }
}
