namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// A read-only, seekable view of one inode's bytes. Each read maps the position to an extent and reads only
/// that: raw extents straight from the volume, holes as zeros, compressed extents decompressed on demand into
/// a one-extent cache (so a sequential read decompresses each pcluster once and a large file is never whole
/// in memory).
/// </summary>
internal sealed class ErofsContentStream : Stream
{
    private readonly ErofsVolume _volume;
    private readonly IErofsBlockMap _map;
    private readonly long _length;
    private readonly long _inode;
    private readonly bool _zeroPadding;
    private long _position;

    private ErofsExtent _cachedExtent;
    private byte[]? _cachedBytes;

    public ErofsContentStream(ErofsVolume volume, IErofsBlockMap map, long length, long inode, bool zeroPadding)
    {
        _volume = volume;
        _map = map;
        _length = length;
        _inode = inode;
        _zeroPadding = zeroPadding;
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
        while (buffer.Length > 0 && _position < _length)
        {
            ErofsExtent extent = _map.Map(_position);
            if (_position < extent.LogicalStart || _position >= extent.LogicalEnd)
            {
                throw _volume.Corrupt(null, $"inode {_inode}: no extent maps offset {_position}");
            }
            long within = _position - extent.LogicalStart;
            int count = (int)Math.Min(buffer.Length, Math.Min(extent.LogicalEnd, _length) - _position);
            Span<byte> target = buffer[..count];
            switch (extent.Kind)
            {
                case ErofsExtentKind.Raw:
                    _volume.Read(extent.PhysicalStart + within, target, $"data of inode {_inode}");
                    break;
                case ErofsExtentKind.Hole:
                    target.Clear();
                    break;
                case ErofsExtentKind.Lz4:
                    Decompressed(extent).AsSpan((int)within, count).CopyTo(target);
                    break;
            }
            _position += count;
            total += count;
            buffer = buffer[count..];
        }
        return total;
    }

    private byte[] Decompressed(ErofsExtent extent)
    {
        if (_cachedBytes is not null && _cachedExtent == extent)
        {
            return _cachedBytes;
        }
        var pcluster = new byte[extent.PhysicalLength];
        _volume.Read(extent.PhysicalStart, pcluster, $"compressed data of inode {_inode}");
        var bytes = new byte[extent.Length];
        ErofsLz4.Decompress(pcluster, bytes, _zeroPadding, _volume, extent.PhysicalStart, _inode);
        _cachedExtent = extent;
        _cachedBytes = bytes;
        return bytes;
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
