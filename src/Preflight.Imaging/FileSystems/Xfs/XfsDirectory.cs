using System.Buffers.Binary;
using System.Text;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// Lists an XFS v5 directory. Whatever the format (short-form in the inode, one "XDB3" block, or "XDD3" data
/// blocks with leaf / node / free-index blocks), every name lives either in the inode or in a data block in the
/// first 32 GiB of the directory's logical space; the hash indexes above that only speed up lookups,
/// so listing reads the data blocks and nothing else.
/// </summary>
internal static class XfsDirectory
{
    /// <summary>XFS_DIR2_LEAF_OFFSET: leaf and node blocks start here in the directory's logical space.</summary>
    public const long LeafOffsetBytes = 32L * 1024 * 1024 * 1024;

    private const uint BlockMagic = 0x58444233; // "XDB3": single-block directory (data + leaf + tail)
    private const uint DataMagic = 0x58444433;  // "XDD3": data block of a leaf or node directory
    private const int DataHeaderSize = 64;      // v3 block header (48) + three bestfree pairs (12) + pad (4)
    private const int OwnerOffset = 40;
    private const ushort FreeTag = 0xFFFF;
    private const int BlockTailSize = 8;
    private const int LeafEntrySize = 8;

    public static List<DirectoryEntry> Read(XfsVolume volume, XfsNode directory)
    {
        var entries = new List<DirectoryEntry>();
        if (directory.Format == XfsForkFormat.Local)
        {
            ReadShortForm(volume, directory, entries);
        }
        else
        {
            ReadDataBlocks(volume, directory, entries);
        }
        return entries;
    }

    /// <summary>Short-form: a count, the parent's number, then packed entries, all inside the inode.</summary>
    private static void ReadShortForm(XfsVolume volume, XfsNode directory, List<DirectoryEntry> entries)
    {
        ReadOnlySpan<byte> fork = directory.Fork;
        if (directory.Length > fork.Length || directory.Length < 6)
        {
            throw Bad(volume, directory, $"is short-form with size {directory.Length}, outside 6..{fork.Length} bytes");
        }
        fork = fork[..(int)directory.Length];
        int count = fork[0];
        // Inode numbers are stored in 4 bytes unless some entry needs 8 (i8count > 0).
        int numberSize = fork[1] == 0 ? 4 : 8;
        int position = 2 + numberSize;
        int typeSize = volume.Superblock.HasFileType ? 1 : 0;
        for (int i = 0; i < count; i++)
        {
            if (position + 3 > fork.Length)
            {
                throw Bad(volume, directory, $"short-form entry {i} starts past the end of the directory");
            }
            int nameLength = fork[position];
            int nameAt = position + 3; // name length, then a 2-byte offset cookie
            int numberAt = nameAt + nameLength + typeSize;
            if (nameLength == 0 || numberAt + numberSize > fork.Length)
            {
                throw Bad(volume, directory, $"short-form entry {i} has a name length {nameLength} that does not fit");
            }
            ulong number = numberSize == 4
                ? BinaryPrimitives.ReadUInt32BigEndian(fork[numberAt..])
                : BinaryPrimitives.ReadUInt64BigEndian(fork[numberAt..]);
            entries.Add(Entry(volume, directory, fork.Slice(nameAt, nameLength), number));
            position = numberAt + numberSize;
        }
    }

    private static void ReadDataBlocks(XfsVolume volume, XfsNode directory, List<DirectoryEntry> entries)
    {
        int blockSize = volume.BlockSize;
        int dirBlockSize = volume.Superblock.DirBlockSize;
        int blocksPerDirBlock = dirBlockSize / blockSize;
        long dataEnd = LeafOffsetBytes / blockSize;
        long budget = volume.Superblock.DataBlocks;

        // Visit each directory block of the data range that has a mapping, once, in logical order.
        long next = 0;
        foreach (XfsExtent extent in directory.Extents(volume))
        {
            if (extent.FileBlock >= dataEnd)
            {
                break;
            }
            long first = Math.Max(next, extent.FileBlock - (extent.FileBlock % blocksPerDirBlock));
            long end = Math.Min(extent.FileBlockEnd, dataEnd);
            for (long dirBlock = first; dirBlock < end; dirBlock += blocksPerDirBlock)
            {
                budget -= blocksPerDirBlock;
                if (budget < 0)
                {
                    throw Bad(volume, directory, "maps more data blocks than the filesystem has");
                }
                byte[] data = XfsFileBlocks.Read(volume, directory, dirBlock, blocksPerDirBlock);
                ReadDataBlock(volume, directory, dirBlock, data, entries);
                next = dirBlock + blocksPerDirBlock;
            }
        }
    }

    private static void ReadDataBlock(XfsVolume volume, XfsNode directory, long dirBlock, ReadOnlySpan<byte> block,
        List<DirectoryEntry> entries)
    {
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(block);
        ulong owner = BinaryPrimitives.ReadUInt64BigEndian(block[OwnerOffset..]);
        if (owner != (ulong)directory.Inode)
        {
            throw Bad(volume, directory, $"has data block {dirBlock} owned by inode {owner}");
        }

        int end;
        if (magic == BlockMagic && dirBlock == 0)
        {
            // A single-block directory keeps its hash leaf at the end: entries stop where the leaf starts.
            uint leafCount = BinaryPrimitives.ReadUInt32BigEndian(block[^BlockTailSize..]);
            long leafStart = block.Length - BlockTailSize - (long)leafCount * LeafEntrySize;
            if (leafStart < DataHeaderSize)
            {
                throw Bad(volume, directory, $"has a block-form tail claiming {leafCount} leaf entries, more than fit");
            }
            end = (int)leafStart;
        }
        else if (magic == DataMagic)
        {
            end = block.Length;
        }
        else
        {
            throw Bad(volume, directory, $"has directory block {dirBlock} with magic 0x{magic:x8}, expected \"XDB3\" or \"XDD3\"");
        }

        int typeSize = volume.Superblock.HasFileType ? 1 : 0;
        int position = DataHeaderSize;
        while (position < end)
        {
            if (end - position < 8)
            {
                throw Bad(volume, directory, $"has a truncated entry at offset {position} of data block {dirBlock}");
            }
            if (BinaryPrimitives.ReadUInt16BigEndian(block[position..]) == FreeTag)
            {
                int unusedLength = BinaryPrimitives.ReadUInt16BigEndian(block[(position + 2)..]);
                if (unusedLength < 8 || unusedLength % 8 != 0 || unusedLength > end - position)
                {
                    throw Bad(volume, directory, $"has an unused region of {unusedLength} bytes at offset {position} of data block {dirBlock}");
                }
                position += unusedLength;
                continue;
            }
            ulong number = BinaryPrimitives.ReadUInt64BigEndian(block[position..]);
            int nameLength = block[position + 8];
            // inode number, name length, name, file type, 2-byte tag; padded to 8 bytes.
            int entryLength = (8 + 1 + nameLength + typeSize + 2 + 7) & ~7;
            if (nameLength == 0 || entryLength > end - position)
            {
                throw Bad(volume, directory, $"has an entry with name length {nameLength} overrunning data block {dirBlock} at offset {position}");
            }
            ReadOnlySpan<byte> name = block.Slice(position + 9, nameLength);
            if (!IsDotOrDotDot(name))
            {
                entries.Add(Entry(volume, directory, name, number));
            }
            position += entryLength;
        }
    }

    private static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("."u8) || name.SequenceEqual(".."u8);

    private static DirectoryEntry Entry(XfsVolume volume, XfsNode directory, ReadOnlySpan<byte> name, ulong number)
    {
        if (name.IndexOf((byte)'/') >= 0 || name.IndexOf((byte)0) >= 0 || number == 0 || number > long.MaxValue)
        {
            throw Bad(volume, directory, $"has an entry with a '/' or NUL in its name or inode number {number}");
        }
        return new DirectoryEntry(Encoding.UTF8.GetString(name), (long)number);
    }

    private static ImageFormatException Bad(XfsVolume volume, XfsNode directory, string problem) =>
        new(volume.Source, null, $"XFS directory inode {directory.Inode} {problem}");
}
