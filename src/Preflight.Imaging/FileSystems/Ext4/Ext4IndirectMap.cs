using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// Maps logical blocks through the classic ext2/ext3 block map: i_block holds 12 direct pointers, then one single,
/// one double and one triple indirect pointer; an indirect block is an array of 32-bit block numbers. A zero
/// pointer is a hole, and a zero indirect pointer makes its whole subtree a hole.
/// </summary>
internal sealed class Ext4IndirectMap : IExt4BlockMap
{
    private const int DirectPointers = 12;

    private readonly Ext4Volume _volume;
    private readonly Ext4BlockCache _cache;
    private readonly long _inode;
    private readonly byte[] _iblock;
    private readonly long _perBlock;

    public Ext4IndirectMap(Ext4Volume volume, long inode, byte[] iblock)
    {
        _volume = volume;
        _cache = new Ext4BlockCache(volume);
        _inode = inode;
        _iblock = iblock;
        _perBlock = volume.BlockSize / 4;
    }

    public Ext4Run Map(long logical)
    {
        if (logical < DirectPointers)
        {
            return RunIn(_iblock, DirectPointers, (int)logical, logical);
        }

        // Find which tree (single, double, triple) holds the block and its index inside that tree.
        long offset = logical - DirectPointers;
        long span = _perBlock; // blocks covered by one tree of the current level
        int levels = 1;
        while (offset >= span)
        {
            offset -= span;
            if (levels == 3)
            {
                return new Ext4Run(logical, long.MaxValue - logical, 0, ReadsAsZeros: true);
            }
            levels++;
            span *= _perBlock;
        }

        long pointer = ReadPointer(_iblock, DirectPointers + levels - 1);
        // Descend: at each level the pointer names a block of pointers, each covering span / perBlock blocks.
        for (int level = levels; level > 0; level--)
        {
            if (pointer == 0)
            {
                return new Ext4Run(logical, span - offset, 0, ReadsAsZeros: true);
            }
            byte[] block = _cache.Read(pointer, $"an indirect block of inode {_inode}");
            span /= _perBlock;
            int index = (int)(offset / span);
            offset %= span;
            if (level == 1)
            {
                return RunIn(block, (int)_perBlock, index, logical);
            }
            pointer = ReadPointer(block, index);
        }
        throw new InvalidOperationException("unreachable: the loop returns at level 1");
    }

    /// <summary>A run starting at pointers[index], extended while the following pointers stay consecutive.</summary>
    private Ext4Run RunIn(byte[] pointers, int count, int index, long logical)
    {
        long first = ReadPointer(pointers, index);
        int length = 1;
        while (index + length < count && ReadPointer(pointers, index + length) == (first == 0 ? 0 : first + length))
        {
            length++;
        }
        if (first == 0)
        {
            return new Ext4Run(logical, length, 0, ReadsAsZeros: true);
        }
        _volume.CheckBlockRange(first, length, $"the block map of inode {_inode}");
        return new Ext4Run(logical, length, first, ReadsAsZeros: false);
    }

    private static long ReadPointer(byte[] pointers, int index) => BinaryPrimitives.ReadUInt32LittleEndian(pointers.AsSpan(index * 4));
}
