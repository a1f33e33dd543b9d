using System.Buffers.Binary;
using System.Text;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// Reads directory entries: {inode u32, rec_len u16, name_len u8, file_type u8, name} records chained by
/// rec_len inside each block. Hashed (htree) directories are read linearly too: their index blocks are
/// disguised as one entry with inode 0 spanning the block (after "." and ".." in block 0), which this walk
/// skips like any unused entry, so only the leaf blocks yield names.
/// </summary>
internal sealed class Ext4DirectoryReader
{
    private const int MinRecordLength = 12;
    private const int HeaderSize = 8;

    /// <summary>A directory this large is not a real guest image; stops a corrupt size from looping for ages.</summary>
    private const long MaxDirectoryBlocks = 1L << 18;

    /// <summary>Caps what a listing can hold in memory.</summary>
    private const long MaxEntries = 1L << 22;

    private readonly Ext4Volume _volume;

    public Ext4DirectoryReader(Ext4Volume volume)
    {
        _volume = volume;
    }

    public IEnumerable<DirectoryEntry> Read(Ext4Node directory, IExt4BlockMap? map)
    {
        return directory.HasInlineData ? ReadInline(directory) : ReadBlocks(directory, map!);
    }

    /// <summary>
    /// Inline directory: i_block starts with the parent's inode number (the ".." entry), then entries fill the
    /// rest of i_block; more entries may fill the system.data attribute.
    /// </summary>
    private List<DirectoryEntry> ReadInline(Ext4Node directory)
    {
        var entries = new List<DirectoryEntry>();
        ParseRecords(directory.IBlock.AsSpan(4), directory, -1, entries);
        ParseRecords(directory.InlineTail, directory, -1, entries);
        return entries;
    }

    /// <summary>
    /// Lazy, block by block: a lookup that finds its name early stops reading the directory there.
    /// </summary>
    private IEnumerable<DirectoryEntry> ReadBlocks(Ext4Node directory, IExt4BlockMap map)
    {
        int blockSize = _volume.BlockSize;
        long blocks = (directory.Length + blockSize - 1) / blockSize;
        if (blocks > MaxDirectoryBlocks)
        {
            throw _volume.Error(null, $"directory inode {directory.Inode} claims {directory.Length} bytes, too large to be real");
        }

        var buffer = new byte[blockSize];
        var entries = new List<DirectoryEntry>();
        long yielded = 0;
        long logical = 0;
        while (logical < blocks)
        {
            Ext4Run run = map.Map(logical);
            long runEnd = Math.Min(blocks, run.Logical + Math.Min(run.Length, blocks));
            for (; logical < runEnd; logical++)
            {
                if (run.ReadsAsZeros)
                {
                    continue; // a hole in a directory holds no entries
                }
                long physical = run.Physical + (logical - run.Logical);
                _volume.ReadBlock(physical, buffer, $"a block of directory inode {directory.Inode}");
                entries.Clear();
                ParseRecords(buffer, directory, physical, entries);
                foreach (DirectoryEntry entry in entries)
                {
                    if (++yielded > MaxEntries)
                    {
                        throw _volume.Error(null, $"directory inode {directory.Inode} has more than {MaxEntries} entries");
                    }
                    yield return entry;
                }
            }
        }
    }

    private void ParseRecords(ReadOnlySpan<byte> area, Ext4Node directory, long physicalBlock, List<DirectoryEntry> into)
    {
        bool hasFileType = _volume.Superblock.Has(Ext4Superblock.IncompatFileType);
        long? where = physicalBlock >= 0 ? physicalBlock * _volume.BlockSize : null;
        int at = 0;
        // Every step advances by rec_len >= 12 and stays inside the area, so the walk ends.
        while (at + HeaderSize <= area.Length)
        {
            uint inode = BinaryPrimitives.ReadUInt32LittleEndian(area[at..]);
            int recordLength = RecordLength(BinaryPrimitives.ReadUInt16LittleEndian(area[(at + 4)..]));
            int nameLength = hasFileType ? area[at + 6] : BinaryPrimitives.ReadUInt16LittleEndian(area[(at + 6)..]);

            if (recordLength < MinRecordLength || recordLength % 4 != 0 || at + recordLength > area.Length)
            {
                throw _volume.Error(where + at, $"directory inode {directory.Inode}: entry record length {recordLength} is invalid at offset {at}");
            }
            if (HeaderSize + nameLength > recordLength)
            {
                throw _volume.Error(where + at, $"directory inode {directory.Inode}: entry name ({nameLength} bytes) overruns its record");
            }

            if (inode != 0 && nameLength > 0)
            {
                ReadOnlySpan<byte> name = area.Slice(at + HeaderSize, nameLength);
                if (!IsDotOrDotDot(name))
                {
                    if (inode > _volume.Superblock.InodesCount)
                    {
                        throw _volume.Error(where + at, $"directory inode {directory.Inode}: entry points at inode {inode}, beyond {_volume.Superblock.InodesCount}");
                    }
                    into.Add(new DirectoryEntry(Encoding.UTF8.GetString(name), inode));
                }
            }
            at += recordLength;
        }
    }

    /// <summary>With 64 KiB blocks a whole-block record length (65536) does not fit 16 bits and is stored as 0 or 65535.</summary>
    private int RecordLength(ushort stored) =>
        _volume.BlockSize >= 65536 && (stored == 0 || stored == 65535) ? 65536 : stored;

    private static bool IsDotOrDotDot(ReadOnlySpan<byte> name) =>
        (name.Length == 1 && name[0] == (byte)'.') || (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.');
}
