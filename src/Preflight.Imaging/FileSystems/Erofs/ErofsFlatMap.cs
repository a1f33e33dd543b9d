namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// FLAT_PLAIN and FLAT_INLINE: the data is contiguous from raw_blkaddr; with FLAT_INLINE the last block's worth
/// (the tail) is instead packed right after the inode and its xattrs in the metadata area.
/// </summary>
internal sealed class ErofsFlatMap : IErofsBlockMap
{
    private readonly ErofsVolume _volume;
    private readonly ErofsNode _node;
    private readonly long _blocksOutside;

    public ErofsFlatMap(ErofsVolume volume, ErofsNode node)
    {
        _volume = volume;
        _node = node;
        long blocks = (node.Length + volume.BlockSize - 1) >> volume.BlockSizeBits;
        bool tailInline = node.Layout == ErofsDataLayout.FlatInline && blocks > 0;
        _blocksOutside = tailInline ? blocks - 1 : blocks;

        if (_blocksOutside > 0)
        {
            long start = (long)node.RawUnion << volume.BlockSizeBits;
            long length = Math.Min(_blocksOutside << volume.BlockSizeBits, node.Length);
            volume.CheckRange(start, length, $"data of inode {node.Inode}");
        }
        if (tailInline)
        {
            long tailLength = node.Length - (_blocksOutside << volume.BlockSizeBits);
            long tailStart = node.PayloadPosition;
            // Linux refuses inline data that crosses a block boundary; so do we.
            long within = tailStart & (volume.BlockSize - 1);
            if (within + tailLength > volume.BlockSize)
            {
                throw volume.Corrupt(tailStart,
                    $"inline data of inode {node.Inode} ({tailLength} bytes) crosses a block boundary");
            }
            volume.CheckRange(tailStart, tailLength, $"inline data of inode {node.Inode}");
        }
    }

    public ErofsExtent Map(long offset)
    {
        long outsideLength = Math.Min(_blocksOutside << _volume.BlockSizeBits, _node.Length);
        if (offset < outsideLength)
        {
            return new ErofsExtent(0, outsideLength, (long)_node.RawUnion << _volume.BlockSizeBits, outsideLength,
                ErofsExtentKind.Raw);
        }
        long tailLength = _node.Length - outsideLength;
        return new ErofsExtent(outsideLength, tailLength, _node.PayloadPosition, tailLength, ErofsExtentKind.Raw);
    }
}
