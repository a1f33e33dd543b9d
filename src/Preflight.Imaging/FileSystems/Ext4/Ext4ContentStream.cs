using Preflight.Formats.Streams;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// A file's content as a read-only, seekable stream. Each read maps only the blocks it touches, so opening a
/// large file costs nothing and reading a part of it reads only that part (plus the extent or indirect blocks
/// on the way). Holes and uninitialised extents read as zeros.
/// </summary>
internal sealed class Ext4ContentStream : ReadOnlyContentStream
{
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
