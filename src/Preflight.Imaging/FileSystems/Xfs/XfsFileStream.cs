using Preflight.Formats.Streams;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// A regular file's content as a read-only, seekable stream. Each read maps the position through the extent
/// list and reads only those bytes from the image; holes and unwritten (preallocated) extents read as zeros.
/// </summary>
internal sealed class XfsFileStream : ReadOnlyContentStream
{
    private readonly XfsVolume _volume;
    private readonly IReadOnlyList<XfsExtent> _extents;
    public XfsFileStream(XfsVolume volume, IReadOnlyList<XfsExtent> extents, long length)
        : base(length)
    {
        _volume = volume;
        _extents = extents;
    }

    /// <summary>Fills the start of the buffer from one extent or one hole, whichever holds the current position.</summary>
    protected override int ReadAt(long position, Span<byte> buffer)
    {
        int blockSize = _volume.BlockSize;
        long fileBlock = position / blockSize;
        int inBlock = (int)(position % blockSize);
        long wanted = buffer.Length;

        XfsExtent? found = XfsFileBlocks.Find(_extents, fileBlock);
        if (found is not XfsExtent extent)
        {
            long holeEnd = NextExtentStart(fileBlock) * blockSize;
            int zeros = (int)Math.Min(wanted, holeEnd - position);
            buffer[..zeros].Clear();
            return zeros;
        }

        long extentEnd = extent.FileBlockEnd * blockSize;
        int run = (int)Math.Min(wanted, extentEnd - position);
        if (extent.Unwritten)
        {
            buffer[..run].Clear();
            return run;
        }
        long blocksIn = fileBlock - extent.FileBlock;
        long start = _volume.BlockOffset(extent.StartBlock, extent.BlockCount) + (blocksIn * blockSize) + inBlock;
        _volume.Read(start, buffer[..run]);
        return run;
    }

    /// <summary>The first mapped block after a hole, or the end of the file when nothing follows.</summary>
    private long NextExtentStart(long fileBlock)
    {
        foreach (XfsExtent extent in _extents)
        {
            if (extent.FileBlock > fileBlock)
            {
                return extent.FileBlock;
            }
        }
        return (Length + _volume.BlockSize - 1) / _volume.BlockSize;
    }
}
