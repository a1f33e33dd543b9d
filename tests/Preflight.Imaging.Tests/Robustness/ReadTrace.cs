using Preflight.Formats.Streams;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Initrd;
using Preflight.Imaging.Layouts;

namespace Preflight.Imaging.Tests.Robustness;

/// <summary>
/// Finds the bytes of an image that matter by watching the reader: every read it makes while opening the image and
/// locating the agent (partition tables, superblocks, group descriptors, inodes, directory blocks, indexes), and
/// the small reads it makes while reading the agent (extent and index blocks on the way to the data). Damaging
/// those bytes is what exercises the checks; damaging the agent's content bytes would only change its hash.
/// </summary>
internal static class ReadTrace
{
    /// <summary>Reads larger than this while reading the agent are its content, not metadata.</summary>
    private const int MaxMetadataRead = 4096;

    public static (List<Region> Structure, List<Region> ContentPath) Of(byte[] image, string name)
    {
        var recorder = new RecordingStream(new MemoryStream(image, writable: false));
        IFileSystem fs = OpenLikeGuestImage(recorder, name);
        AgentLocation agent = AgentLocator.LocateRequired(fs, name);
        OsBuilderMetadata.Read(fs);
        List<Region> structure = MutationPlan.Merge(recorder.TakeReads(int.MaxValue), image.Length);
        AgentLocator.ReadAgent(fs, agent);
        List<Region> contentPath = MutationPlan.Merge(recorder.TakeReads(MaxMetadataRead), image.Length);
        fs.Dispose();
        return (structure, contentPath);
    }

    /// <summary>The steps of GuestImage.Open, over a stream so the reads can be watched (GuestImage takes a path).</summary>
    private static IFileSystem OpenLikeGuestImage(Stream image, string name)
    {
        if (InitrdFileSystem.Probe(image))
        {
            return InitrdFileSystem.Open(image, name);
        }
        DiskLayout layout = LayoutDetector.Detect(image, name);
        (PartitionInfo partition, FileSystemType type) = VolumeProbe.ChooseRootfs(image, layout)
            ?? throw new InvalidOperationException($"{name}: no rootfs; not a usable fixture");
        foreach (PartitionInfo other in layout.Partitions)
        {
            VolumeProbe.Identify(new StreamSlice(image, other.Offset, other.Length));
        }
        return VolumeProbe.Open(type, new StreamSlice(image, partition.Offset, partition.Length), name);
    }

    /// <summary>Remembers where each read landed and how much it returned.</summary>
    private sealed class RecordingStream(Stream inner) : Stream
    {
        private readonly List<(long Offset, int Count)> _reads = [];

        public List<Region> TakeReads(int maxCount)
        {
            var regions = _reads.Where(r => r.Count <= maxCount).Select(r => new Region(r.Offset, r.Count)).ToList();
            _reads.Clear();
            return regions;
        }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => inner.Position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            long at = inner.Position;
            int read = inner.Read(buffer);
            if (read > 0)
            {
                _reads.Add((at, read));
            }
            return read;
        }

        public override long Seek(long offset, SeekOrigin origin) => inner.Seek(offset, origin);

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
