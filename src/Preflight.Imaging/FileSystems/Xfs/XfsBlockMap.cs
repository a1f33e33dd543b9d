using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// Reads an inode's data fork mapping: extent records stored in the inode, or a block-map btree whose root
/// (a bmdr block) lives in the inode and whose nodes and leaves are "BMA3" blocks.
/// The result is checked: sorted, non-overlapping, inside the filesystem, and no more than the core says.
/// </summary>
internal static class XfsBlockMap
{
    private const uint BtreeMagic = 0x424D4133; // "BMA3"
    private const int BtreeHeaderSize = 72;
    private const int RootHeaderSize = 4;
    private const int KeySize = 8;
    private const int PointerSize = 8;

    /// <summary>The kernel's block-map btree never gets deeper than this; more means a corrupt or hostile image.</summary>
    private const int MaxLevels = 9;

    /// <summary>Caps memory for one file's map (16 bytes each, so 64 MiB) whatever the core claims.</summary>
    private const ulong MaxExtents = 4 * 1024 * 1024;

    public static IReadOnlyList<XfsExtent> Read(XfsVolume volume, XfsNode node)
    {
        if (node.ExtentCount > MaxExtents || node.ExtentCount > (ulong)volume.Superblock.DataBlocks)
        {
            throw Bad(volume, node, $"claims {node.ExtentCount} extents, more than the filesystem could hold");
        }
        var extents = new List<XfsExtent>();
        switch (node.Format)
        {
            case XfsForkFormat.Extents:
                ReadInodeExtents(volume, node, extents);
                break;
            case XfsForkFormat.Btree:
                ReadBtree(volume, node, extents);
                break;
            default:
                throw Bad(volume, node, $"has no block map (data fork format {node.Format})");
        }
        Validate(volume, node, extents);
        return extents;
    }

    private static void ReadInodeExtents(XfsVolume volume, XfsNode node, List<XfsExtent> extents)
    {
        if (node.ExtentCount * XfsExtent.RecordSize > (ulong)node.Fork.Length)
        {
            throw Bad(volume, node, $"claims {node.ExtentCount} extents but its data fork holds at most {node.Fork.Length / XfsExtent.RecordSize}");
        }
        for (int i = 0; i < (int)node.ExtentCount; i++)
        {
            extents.Add(XfsExtent.Decode(node.Fork.AsSpan(i * XfsExtent.RecordSize, XfsExtent.RecordSize)));
        }
    }

    private static void ReadBtree(XfsVolume volume, XfsNode node, List<XfsExtent> extents)
    {
        ReadOnlySpan<byte> root = node.Fork;
        if (root.Length < RootHeaderSize + KeySize + PointerSize)
        {
            throw Bad(volume, node, "has a btree data fork too small for its root");
        }
        int level = BinaryPrimitives.ReadUInt16BigEndian(root);
        int count = BinaryPrimitives.ReadUInt16BigEndian(root[2..]);
        // The root's pointers sit after room for as many keys as the fork could hold, not after the used keys.
        int maxRecords = (root.Length - RootHeaderSize) / (KeySize + PointerSize);
        if (level < 1 || level > MaxLevels || count < 1 || count > maxRecords)
        {
            throw Bad(volume, node, $"has a btree root with level {level} and {count} records (at most {maxRecords}, depth {MaxLevels})");
        }
        int pointersAt = RootHeaderSize + maxRecords * KeySize;
        var visited = new HashSet<ulong>();
        for (int i = 0; i < count; i++)
        {
            ulong child = BinaryPrimitives.ReadUInt64BigEndian(root[(pointersAt + i * PointerSize)..]);
            ReadBtreeBlock(volume, node, child, level - 1, visited, extents);
        }
    }

    private static void ReadBtreeBlock(XfsVolume volume, XfsNode node, ulong fsBlock, int expectedLevel,
        HashSet<ulong> visited, List<XfsExtent> extents)
    {
        // Each block may appear once in the tree; a repeated pointer would loop or blow up the reads.
        if (!visited.Add(fsBlock))
        {
            throw Bad(volume, node, $"has block-map btree block {fsBlock} referenced twice");
        }
        byte[] block = volume.ReadBlocks(fsBlock, 1);
        ReadOnlySpan<byte> span = block;
        if (BinaryPrimitives.ReadUInt32BigEndian(span) != BtreeMagic)
        {
            throw Bad(volume, node, $"has block-map btree block {fsBlock} without magic \"BMA3\"");
        }
        int level = BinaryPrimitives.ReadUInt16BigEndian(span[4..]);
        int count = BinaryPrimitives.ReadUInt16BigEndian(span[6..]);
        ulong owner = BinaryPrimitives.ReadUInt64BigEndian(span[56..]);
        if (level != expectedLevel)
        {
            throw Bad(volume, node, $"has block-map btree block {fsBlock} at level {level}, expected {expectedLevel}");
        }
        if (owner != (ulong)node.Inode)
        {
            throw Bad(volume, node, $"has block-map btree block {fsBlock} owned by inode {owner}");
        }

        int body = block.Length - BtreeHeaderSize;
        if (level == 0)
        {
            if (count > body / XfsExtent.RecordSize)
            {
                throw Bad(volume, node, $"has block-map btree leaf {fsBlock} with {count} records, more than fit");
            }
            if ((ulong)(extents.Count + count) > node.ExtentCount)
            {
                throw Bad(volume, node, $"has more extents in its btree than the {node.ExtentCount} its core records");
            }
            for (int i = 0; i < count; i++)
            {
                extents.Add(XfsExtent.Decode(span.Slice(BtreeHeaderSize + i * XfsExtent.RecordSize, XfsExtent.RecordSize)));
            }
            return;
        }

        int maxRecords = body / (KeySize + PointerSize);
        if (count < 1 || count > maxRecords)
        {
            throw Bad(volume, node, $"has block-map btree node {fsBlock} with {count} records (at most {maxRecords})");
        }
        int pointersAt = BtreeHeaderSize + maxRecords * KeySize;
        for (int i = 0; i < count; i++)
        {
            ulong child = BinaryPrimitives.ReadUInt64BigEndian(span[(pointersAt + i * PointerSize)..]);
            ReadBtreeBlock(volume, node, child, level - 1, visited, extents);
        }
    }

    private static void Validate(XfsVolume volume, XfsNode node, List<XfsExtent> extents)
    {
        if ((ulong)extents.Count != node.ExtentCount)
        {
            throw Bad(volume, node, $"maps {extents.Count} extents but its core records {node.ExtentCount}");
        }
        long previousEnd = 0;
        foreach (XfsExtent extent in extents)
        {
            if (extent.BlockCount == 0 || extent.FileBlock < previousEnd)
            {
                throw Bad(volume, node, $"has an empty, overlapping or unsorted extent at file block {extent.FileBlock}");
            }
            volume.BlockOffset(extent.StartBlock, extent.BlockCount);
            previousEnd = extent.FileBlockEnd;
        }
    }

    private static ImageFormatException Bad(XfsVolume volume, XfsNode node, string problem) =>
        new(volume.Source, null, $"XFS inode {node.Inode} {problem}");
}
