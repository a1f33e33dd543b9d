using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// CHUNK_BASED: the file is cut into chunks of (block size &lt;&lt; chunkbits) bytes; after the inode comes an array
/// with one entry per chunk, either a 4-byte block address (block map) or an 8-byte index that also names a
/// device. An address of 0xFFFFFFFF is a hole.
/// </summary>
internal sealed class ErofsChunkMap : IErofsBlockMap
{
    private const int FormatBlockBitsMask = 0x1F;
    private const int FormatIndexes = 0x20;

    private readonly ErofsVolume _volume;
    private readonly ErofsNode _node;
    private readonly ErofsSuperblock _superblock;
    private readonly int _chunkBits;
    private readonly int _entrySize;
    private readonly long _tableStart;

    public ErofsChunkMap(ErofsVolume volume, ErofsSuperblock superblock, ErofsNode node)
    {
        _volume = volume;
        _node = node;
        _superblock = superblock;
        int format = (int)(node.RawUnion & 0xFFFF);
        if ((format & ~(FormatBlockBitsMask | FormatIndexes)) != 0)
        {
            throw volume.Corrupt(node.Position, $"inode {node.Inode} has unknown chunk format 0x{format:X}");
        }
        _chunkBits = volume.BlockSizeBits + (format & FormatBlockBitsMask);
        if (_chunkBits > 40)
        {
            throw volume.Corrupt(node.Position, $"inode {node.Inode} has an impossible chunk size 2^{_chunkBits}");
        }
        _entrySize = (format & FormatIndexes) != 0 ? 8 : 4;
        // The table is aligned to its entry size.
        _tableStart = (node.PayloadPosition + _entrySize - 1) / _entrySize * _entrySize;
        long chunks = (node.Length + (1L << _chunkBits) - 1) >> _chunkBits;
        volume.CheckRange(_tableStart, chunks * _entrySize, $"chunk table of inode {node.Inode}");
    }

    public ErofsExtent Map(long offset)
    {
        long chunk = offset >> _chunkBits;
        long logicalStart = chunk << _chunkBits;
        long length = Math.Min(1L << _chunkBits, _node.Length - logicalStart);
        long entryAt = _tableStart + chunk * _entrySize;
        ReadOnlySpan<byte> entry = _volume.ReadMeta(entryAt, _entrySize, $"chunk index of inode {_node.Inode}");
        uint blockAddress;
        if (_entrySize == 4)
        {
            blockAddress = BinaryPrimitives.ReadUInt32LittleEndian(entry);
        }
        else
        {
            int device = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
            blockAddress = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
            // Linux masks the device id with (next power of two of extra devices + 1) - 1: none means ignore it.
            if (_superblock.ExtraDevices > 0 && device != 0)
            {
                throw _volume.Corrupt(entryAt,
                    $"inode {_node.Inode} keeps data on extra device {device}, which this reader does not open");
            }
        }
        if (blockAddress == ErofsFormat.NullAddress)
        {
            return new ErofsExtent(logicalStart, length, 0, 0, ErofsExtentKind.Hole);
        }
        long physical = (long)blockAddress << _volume.BlockSizeBits;
        _volume.CheckRange(physical, length, $"chunk {chunk} of inode {_node.Inode}");
        return new ErofsExtent(logicalStart, length, physical, length, ErofsExtentKind.Raw);
    }
}
