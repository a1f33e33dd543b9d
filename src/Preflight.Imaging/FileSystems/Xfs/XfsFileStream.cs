namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// A regular file's content as a read-only, seekable stream. Each read maps the position through the extent
/// list and reads only those bytes from the image; holes and unwritten (preallocated) extents read as zeros.
/// </summary>
internal sealed class XfsFileStream : Stream
{
    private readonly XfsVolume _volume;
    private readonly IReadOnlyList<XfsExtent> _extents;
    private readonly long _length;
    private long _position;

    public XfsFileStream(XfsVolume volume, IReadOnlyList<XfsExtent> extents, long length)
    {
        _volume = volume;
        _extents = extents;
        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length && _position < _length)
        {
            int chunk = ReadChunk(buffer[total..]);
            _position += chunk;
            total += chunk;
        }
        return total;
    }

    /// <summary>Fills the start of the buffer from one extent or one hole, whichever holds the current position.</summary>
    private int ReadChunk(Span<byte> buffer)
    {
        int blockSize = _volume.BlockSize;
        long fileBlock = _position / blockSize;
        int inBlock = (int)(_position % blockSize);
        long wanted = Math.Min(buffer.Length, _length - _position);

        XfsExtent? found = XfsFileBlocks.Find(_extents, fileBlock);
        if (found is not XfsExtent extent)
        {
            long holeEnd = NextExtentStart(fileBlock) * blockSize;
            int zeros = (int)Math.Min(wanted, holeEnd - _position);
            buffer[..zeros].Clear();
            return zeros;
        }

        long extentEnd = extent.FileBlockEnd * blockSize;
        int run = (int)Math.Min(wanted, extentEnd - _position);
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
        return (_length + _volume.BlockSize - 1) / _volume.BlockSize;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("read-only");
}
