using System.Buffers.Binary;
using System.Text;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// inline_data keeps small files and directories in the inode: the first 60 bytes in i_block, the rest in the
/// value of the "system.data" extended attribute stored inside the inode, after i_extra_isize.
/// </summary>
internal static class Ext4InlineData
{
    private const uint InodeXattrMagic = 0xEA020000;
    private const int EntryHeaderSize = 16;
    private const byte SystemNameIndex = 7;
    private static readonly byte[] DataName = Encoding.ASCII.GetBytes("data");

    /// <summary>The system.data value, or empty when the inode has none (content fits in i_block).</summary>
    public static byte[] ReadSystemData(long inode, ReadOnlySpan<byte> raw, Ext4Volume volume)
    {
        if (raw.Length <= 128 + 2)
        {
            return [];
        }
        int extra = BinaryPrimitives.ReadUInt16LittleEndian(raw[0x80..]);
        int headerAt = 128 + extra;
        if (extra % 4 != 0 || headerAt + 4 > raw.Length)
        {
            return [];
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(raw[headerAt..]) != InodeXattrMagic)
        {
            return [];
        }

        // Entries follow the magic; value offsets count from the first entry. The loop ends at the 4 zero
        // bytes that terminate the list, and always moves forward, so it cannot cycle.
        int first = headerAt + 4;
        int at = first;
        while (at + EntryHeaderSize <= raw.Length && BinaryPrimitives.ReadUInt32LittleEndian(raw[at..]) != 0)
        {
            int nameLength = raw[at];
            byte nameIndex = raw[at + 1];
            int valueOffset = BinaryPrimitives.ReadUInt16LittleEndian(raw[(at + 2)..]);
            uint valueInode = BinaryPrimitives.ReadUInt32LittleEndian(raw[(at + 4)..]);
            uint valueSize = BinaryPrimitives.ReadUInt32LittleEndian(raw[(at + 8)..]);
            int nameAt = at + EntryHeaderSize;
            if (nameAt + nameLength > raw.Length)
            {
                throw volume.Error(null, $"inode {inode}: extended attribute name runs past the inode");
            }

            if (nameIndex == SystemNameIndex && raw.Slice(nameAt, nameLength).SequenceEqual(DataName))
            {
                if (valueInode != 0 || valueSize > (uint)raw.Length || first + valueOffset + (long)valueSize > raw.Length)
                {
                    throw volume.Error(null, $"inode {inode}: inline data attribute ({valueSize} bytes at {valueOffset}) lies outside the inode");
                }
                return raw.Slice(first + valueOffset, (int)valueSize).ToArray();
            }
            at = nameAt + ((nameLength + 3) & ~3);
        }
        return [];
    }

    /// <summary>The whole inline content: i_block followed by the attribute, cut to the file size.</summary>
    public static byte[] Content(Ext4Node node, Ext4Volume volume)
    {
        long available = Ext4Node.IBlockSize + node.InlineTail.Length;
        if (node.Length > available)
        {
            throw volume.Error(null, $"inode {node.Inode}: inline data holds {available} bytes but the size is {node.Length}");
        }
        var content = new byte[node.Length];
        int fromIBlock = (int)Math.Min(node.Length, Ext4Node.IBlockSize);
        node.IBlock.AsSpan(0, fromIBlock).CopyTo(content);
        node.InlineTail.AsSpan(0, content.Length - fromIBlock).CopyTo(content.AsSpan(fromIBlock));
        return content;
    }
}
