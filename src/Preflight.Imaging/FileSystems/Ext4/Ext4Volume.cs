using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// Positioned, bounds-checked reads from the volume: whole blocks by number, inodes by number. Group descriptors
/// are read one at a time when an inode in that group is first needed, so opening a file reads only the metadata
/// on its path.
/// </summary>
internal sealed class Ext4Volume
{
    private const int MaxCachedGroups = 4096;

    private readonly Stream _stream;
    private readonly Dictionary<long, long> _inodeTableByGroup = new();

    public Ext4Volume(Stream stream, string source, Ext4Superblock superblock)
    {
        _stream = stream;
        Source = source;
        Superblock = superblock;
    }

    public string Source { get; }

    public Ext4Superblock Superblock { get; }

    public int BlockSize => Superblock.BlockSize;

    public ImageFormatException Error(long? offset, string problem) => new(Source, offset, "ext4: " + problem);

    /// <summary>Fails unless blocks [block, block + count) lie inside the filesystem.</summary>
    public void CheckBlockRange(long block, long count, string what)
    {
        if (block < 0 || count < 0 || block >= Superblock.BlocksCount || count > Superblock.BlocksCount - block)
        {
            throw Error(null, $"{what} points at block {block} (+{count}), beyond the {Superblock.BlocksCount} blocks of the filesystem");
        }
    }

    public void ReadBlock(long block, Span<byte> buffer, string what)
    {
        CheckBlockRange(block, 1, what);
        ReadAt(block * BlockSize, buffer[..BlockSize], what);
    }

    /// <summary>Reads exactly buffer.Length bytes; a short read means the image was cut off.</summary>
    public void ReadAt(long offset, Span<byte> buffer, string what)
    {
        _stream.Position = offset;
        int total = 0;
        while (total < buffer.Length)
        {
            int read = _stream.Read(buffer[total..]);
            if (read == 0)
            {
                throw Error(offset + total, $"the image ends inside {what} (truncated image?)");
            }
            total += read;
        }
    }

    /// <summary>The raw on-disk inode (s_inode_size bytes).</summary>
    public byte[] ReadInode(long inode)
    {
        if (inode < 1 || inode > Superblock.InodesCount)
        {
            throw Error(null, $"inode number {inode} is outside 1..{Superblock.InodesCount}");
        }
        long group = (inode - 1) / Superblock.InodesPerGroup;
        long index = (inode - 1) % Superblock.InodesPerGroup;
        long table = InodeTable(group);

        long tableBlocks = ((long)Superblock.InodesPerGroup * Superblock.InodeSize + BlockSize - 1) / BlockSize;
        CheckBlockRange(table, tableBlocks, $"the inode table of group {group}");

        var raw = new byte[Superblock.InodeSize];
        ReadAt(table * BlockSize + index * Superblock.InodeSize, raw, $"inode {inode}");
        return raw;
    }

    private long InodeTable(long group)
    {
        if (_inodeTableByGroup.TryGetValue(group, out long cached))
        {
            return cached;
        }

        int size = Superblock.DescriptorSize;
        Span<byte> descriptor = stackalloc byte[size];
        ReadAt(DescriptorOffset(group), descriptor, $"the descriptor of block group {group}");

        long table = BinaryPrimitives.ReadUInt32LittleEndian(descriptor[0x08..]);
        if (size >= 64)
        {
            table |= (long)BinaryPrimitives.ReadUInt32LittleEndian(descriptor[0x28..]) << 32;
        }

        if (_inodeTableByGroup.Count >= MaxCachedGroups)
        {
            _inodeTableByGroup.Clear();
        }
        _inodeTableByGroup[group] = table;
        return table;
    }

    /// <summary>
    /// Where a group's descriptor lives. Normally all descriptors follow the superblock's block; with meta_bg,
    /// descriptor block i (from s_first_meta_bg on) sits in the first group of its meta group, after that
    /// group's backup superblock if it has one.
    /// </summary>
    private long DescriptorOffset(long group)
    {
        var sb = Superblock;
        long perBlock = BlockSize / sb.DescriptorSize;
        long descriptorBlock = group / perBlock;
        long withinBlock = group % perBlock * sb.DescriptorSize;

        long block;
        if (!sb.Has(Ext4Superblock.IncompatMetaBg) || descriptorBlock < sb.FirstMetaBg)
        {
            block = sb.FirstDataBlock + 1 + descriptorBlock;
        }
        else
        {
            long firstGroup = descriptorBlock * perBlock;
            block = sb.FirstDataBlock + firstGroup * sb.BlocksPerGroup + (GroupHasSuperblock(firstGroup) ? 1 : 0);
        }
        CheckBlockRange(block, 1, $"the descriptor of block group {group}");
        return block * BlockSize + withinBlock;
    }

    private bool GroupHasSuperblock(long group)
    {
        var sb = Superblock;
        if (group == 0)
        {
            return true;
        }
        if ((sb.FeatureCompat & Ext4Superblock.CompatSparseSuper2) != 0)
        {
            return group == sb.BackupGroup0 || group == sb.BackupGroup1;
        }
        if ((sb.FeatureRoCompat & Ext4Superblock.RoCompatSparseSuper) == 0 || group == 1)
        {
            return true;
        }
        return IsPowerOf(group, 3) || IsPowerOf(group, 5) || IsPowerOf(group, 7);
    }

    private static bool IsPowerOf(long value, long radix)
    {
        while (value > 1 && value % radix == 0)
        {
            value /= radix;
        }
        return value == 1;
    }
}
