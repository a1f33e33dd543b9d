using Preflight.Formats.Streams;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// A file's content as a read-only, seekable stream. Each read maps only the blocks it touches, so opening a
/// large file costs nothing and reading a part of it reads only that part (plus the extent or indirect blocks
/// on the way). Holes and uninitialised extents read as zeros.
/// </summary>
internal sealed class Ext4ContentStream : ReadOnlyContentStream, IStoredContiguously
{
    // Runs followed before giving up: mke2fs and the kernel store a file in runs of up to 32,768 blocks (128 MiB), so
    // a contiguous agent takes a few; a file in more pieces than this is read the ordinary way.
    private const int MaxRunsFollowed = 64;

    private readonly Ext4Volume _volume;
    private readonly IExt4BlockMap _map;
    private readonly string _what;

    public Ext4ContentStream(Ext4Volume volume, IExt4BlockMap map, long length, string what)
        : base(length)
    {
        _volume = volume;
        _map = map;
        _what = what;
    }

    public long? StoredAt()
    {
        int blockSize = _volume.BlockSize;
        long blocks = (Length + blockSize - 1) / blockSize;
        if (blocks == 0)
        {
            return null;
        }
        long firstPhysical = -1;
        long logical = 0;
        for (int runs = 0; logical < blocks; runs++)
        {
            Ext4Run run = _map.Map(logical);
            if (runs >= MaxRunsFollowed || run.ReadsAsZeros || run.Logical > logical || run.Length < 1
                || run.Length - 1 < logical - run.Logical)
            {
                return null;
            }
            long physical = run.Physical + (logical - run.Logical);
            if (firstPhysical < 0)
            {
                firstPhysical = physical;
            }
            else if (physical != firstPhysical + logical)
            {
                return null; // the next piece is stored elsewhere
            }
            logical = run.Logical + run.Length;
        }
        _volume.CheckBlockRange(firstPhysical, blocks, _what);
        return firstPhysical * blockSize;
    }

    /// <summary>Serves what the one run holding the position covers; the base class loops for more.</summary>
    protected override int ReadAt(long position, Span<byte> buffer)
    {
        int blockSize = _volume.BlockSize;
        long logical = position / blockSize;
        int inBlock = (int)(position % blockSize);
        Ext4Run run = _map.Map(logical);

        if (run.Logical > logical || run.Length < 1 || run.Length - 1 < logical - run.Logical)
        {
            throw new InvalidOperationException($"block map returned a run that does not hold block {logical}");
        }

        // The block count is capped first so a run "to infinity" (a trailing hole) cannot overflow the byte count.
        long runBlocks = Math.Min(run.Logical + run.Length - logical, buffer.Length / blockSize + 2);
        long runBytes = runBlocks * blockSize - inBlock;
        int count = (int)Math.Min(buffer.Length, runBytes);
        Span<byte> target = buffer[..count];
        if (run.ReadsAsZeros)
        {
            target.Clear();
        }
        else
        {
            long physicalOffset = (run.Physical + (logical - run.Logical)) * blockSize + inBlock;
            _volume.ReadAt(physicalOffset, target, _what);
        }
        return count;
    }
}
