using Preflight.Formats.Streams;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// A read-only, seekable view of one inode's bytes. Each read maps the position to an extent and reads only
/// that: raw extents straight from the volume, holes as zeros, compressed extents decompressed on demand into
/// a one-extent cache (so a sequential read decompresses each pcluster once and a large file is never whole
/// in memory).
/// </summary>
internal sealed class ErofsContentStream : ReadOnlyContentStream
{
    private readonly ErofsVolume _volume;
    private readonly IErofsBlockMap _map;
    private readonly long _inode;
    private readonly bool _zeroPadding;

    private ErofsExtent _cachedExtent;
    private byte[]? _cachedBytes;

    public ErofsContentStream(ErofsVolume volume, IErofsBlockMap map, long length, long inode, bool zeroPadding)
        : base(length)
    {
        _volume = volume;
        _map = map;
        _inode = inode;
        _zeroPadding = zeroPadding;
    }

    /// <summary>Serves what the one extent holding the position covers; the base class loops for more.</summary>
    protected override int ReadAt(long position, Span<byte> buffer)
    {
        ErofsExtent extent = _map.Map(position);
        if (position < extent.LogicalStart || position >= extent.LogicalEnd)
        {
            throw _volume.Corrupt(null, $"inode {_inode}: no extent maps offset {position}");
        }
        long within = position - extent.LogicalStart;
        int count = (int)Math.Min(buffer.Length, extent.LogicalEnd - position);
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
        return count;
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
}
