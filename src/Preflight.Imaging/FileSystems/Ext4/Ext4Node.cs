using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>One ext2/3/4 inode: what the path walker needs plus what it takes to find the content later.</summary>
internal sealed class Ext4Node : FileSystemNode
{
    /// <summary>Size of i_block: 15 block pointers, an extent tree root, inline data or a fast symlink target.</summary>
    public const int IBlockSize = 60;

    private const uint FlagIndex = 0x1000;
    private const uint FlagExtents = 0x80000;
    private const uint FlagInlineData = 0x10000000;

    private Ext4Node(long inode, FileKind kind, long length, int mode)
        : base(inode, kind, length, mode)
    {
    }

    public uint Flags { get; private init; }

    /// <summary>The 60 bytes of i_block, copied out of the raw inode.</summary>
    public byte[] IBlock { get; private init; } = [];

    /// <summary>For inline data: the part stored after i_block, in the system.data extended attribute.</summary>
    public byte[] InlineTail { get; private init; } = [];

    public bool UsesExtents => (Flags & FlagExtents) != 0;

    public bool HasInlineData => (Flags & FlagInlineData) != 0;

    public bool IsHashedDirectory => (Flags & FlagIndex) != 0;

    /// <summary>
    /// A fast symlink keeps its target in i_block and owns no data blocks (an extended attribute block, if any,
    /// is counted in i_blocks too, so it is subtracted).
    /// </summary>
    public bool IsFastSymlink { get; private init; }

    public static Ext4Node Parse(long inode, byte[] raw, Ext4Volume volume)
    {
        int mode = BinaryPrimitives.ReadUInt16LittleEndian(raw);
        FileKind kind = (mode & 0xF000) switch
        {
            0x4000 => FileKind.Directory,
            0x8000 => FileKind.File,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        if (mode == 0)
        {
            throw volume.Error(null, $"inode {inode} is referenced but not in use (mode 0)");
        }

        long size = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x04))
            | (long)BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x6C)) << 32;
        if (size < 0)
        {
            throw volume.Error(null, $"inode {inode} has an impossible size");
        }
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x20));
        long blocks512 = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x1C))
            | (long)BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(0x74)) << 32;
        long fileAcl = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(0x68))
            | (long)BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(0x76)) << 32;

        bool inline = (flags & FlagInlineData) != 0;
        long aclBlocks512 = fileAcl != 0 ? volume.BlockSize / 512 : 0;
        bool fastSymlink = kind == FileKind.Symlink && !inline && size < IBlockSize && blocks512 - aclBlocks512 <= 0;

        return new Ext4Node(inode, kind, size, mode)
        {
            Flags = flags,
            IBlock = raw.AsSpan(0x28, IBlockSize).ToArray(),
            InlineTail = inline ? Ext4InlineData.ReadSystemData(inode, raw, volume) : [],
            IsFastSymlink = fastSymlink,
        };
    }
}
