using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// Maps logical blocks through an ext4 extent tree: a 12-byte header then 12-byte entries, index entries in
/// interior nodes and extents in leaves; the root lives in i_block. An extent longer than 32768 blocks is the
/// "uninitialised" flavour (preallocated, reads as zeros).
/// </summary>
internal sealed class Ext4ExtentMap : IExt4BlockMap
{
    private const ushort HeaderMagic = 0xF30A;
    private const int HeaderSize = 12;
    private const int EntrySize = 12;
    private const int MaxDepth = 5;
    private const int UninitializedBias = 32768;

    private readonly Ext4Volume _volume;
    private readonly Ext4BlockCache _cache;
    private readonly long _inode;
    private readonly byte[] _root;

    public Ext4ExtentMap(Ext4Volume volume, long inode, byte[] root)
    {
        _volume = volume;
        _cache = new Ext4BlockCache(volume);
        _inode = inode;
        _root = root;
    }

    public Ext4Run Map(long logical)
    {
        if (logical > uint.MaxValue)
        {
            return Hole(logical, long.MaxValue);
        }

        byte[] node = _root;
        int expectedDepth = -1;
        long end = long.MaxValue; // first logical block past the subtree being searched

        // Each step goes one level down (checked below), and the root is at most MaxDepth deep: at most
        // MaxDepth + 1 iterations.
        while (true)
        {
            (int entries, int depth) = ReadHeader(node, expectedDepth);
            if (depth == 0)
            {
                return FindInLeaf(node, entries, logical, end);
            }

            int chosen = -1;
            for (int i = 0; i < entries; i++)
            {
                long start = BinaryPrimitives.ReadUInt32LittleEndian(node.AsSpan(HeaderSize + i * EntrySize));
                if (start > logical)
                {
                    end = Math.Min(end, start);
                    break;
                }
                chosen = i;
            }
            if (chosen < 0)
            {
                return Hole(logical, end);
            }

            ReadOnlySpan<byte> index = node.AsSpan(HeaderSize + chosen * EntrySize, EntrySize);
            long child = BinaryPrimitives.ReadUInt32LittleEndian(index[4..])
                | (long)BinaryPrimitives.ReadUInt16LittleEndian(index[8..]) << 32;
            node = _cache.Read(child, $"an extent tree node of inode {_inode}");
            expectedDepth = depth - 1;
        }
    }

    private (int Entries, int Depth) ReadHeader(byte[] node, int expectedDepth)
    {
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(node);
        int entries = BinaryPrimitives.ReadUInt16LittleEndian(node.AsSpan(2));
        int depth = BinaryPrimitives.ReadUInt16LittleEndian(node.AsSpan(6));
        if (magic != HeaderMagic)
        {
            throw _volume.Error(null, $"inode {_inode}: extent header magic is 0x{magic:X4}, expected 0xF30A");
        }
        if (HeaderSize + entries * EntrySize > node.Length)
        {
            throw _volume.Error(null, $"inode {_inode}: extent node claims {entries} entries, more than fit in {node.Length} bytes");
        }
        if (depth > MaxDepth || (expectedDepth >= 0 && depth != expectedDepth))
        {
            throw _volume.Error(null, $"inode {_inode}: extent tree depth {depth} is invalid (expected {(expectedDepth >= 0 ? expectedDepth : "at most " + MaxDepth)})");
        }
        return (entries, depth);
    }

    private Ext4Run FindInLeaf(byte[] node, int entries, long logical, long end)
    {
        for (int i = 0; i < entries; i++)
        {
            ReadOnlySpan<byte> extent = node.AsSpan(HeaderSize + i * EntrySize, EntrySize);
            long start = BinaryPrimitives.ReadUInt32LittleEndian(extent);
            int length = BinaryPrimitives.ReadUInt16LittleEndian(extent[4..]);
            bool uninitialized = length > UninitializedBias;
            if (uninitialized)
            {
                length -= UninitializedBias;
            }
            long physical = (long)BinaryPrimitives.ReadUInt16LittleEndian(extent[6..]) << 32
                | BinaryPrimitives.ReadUInt32LittleEndian(extent[8..]);

            if (logical < start)
            {
                return Hole(logical, Math.Min(end, start));
            }
            if (logical < start + length)
            {
                _volume.CheckBlockRange(physical, length, $"an extent of inode {_inode}");
                long skip = logical - start;
                return new Ext4Run(logical, length - skip, physical + skip, uninitialized);
            }
        }
        return Hole(logical, end);
    }

    private static Ext4Run Hole(long logical, long end) => new(logical, Math.Max(1, end - logical), 0, ReadsAsZeros: true);
}
