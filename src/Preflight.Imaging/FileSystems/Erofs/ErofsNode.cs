using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// One EROFS inode (compact 32-byte or extended 64-byte), with what is needed to find its data later:
/// where it sits, how big its header is (inode plus inline xattrs), its layout and the i_u union.
/// </summary>
internal sealed class ErofsNode : FileSystemNode
{
    private ErofsNode(long nid, FileKind kind, long length, int mode, long position, int headerSize,
        ErofsDataLayout layout, uint rawUnion, bool extended)
        : base(nid, kind, length, mode)
    {
        Position = position;
        HeaderSize = headerSize;
        Layout = layout;
        RawUnion = rawUnion;
        IsExtended = extended;
    }

    /// <summary>Byte offset of the inode in the volume.</summary>
    public long Position { get; }

    /// <summary>Inode size plus inline xattr size: inline data, chunk indexes and the map header follow it.</summary>
    public int HeaderSize { get; }

    public ErofsDataLayout Layout { get; }

    /// <summary>i_u: raw_blkaddr for flat layouts, compressed block count, or the chunk format.</summary>
    public uint RawUnion { get; }

    public bool IsExtended { get; }

    /// <summary>Where the bytes right after the inode and its xattrs start.</summary>
    public long PayloadPosition => Position + HeaderSize;

    /// <summary>Largest file size accepted: far above any real image, low enough that offsets never overflow.</summary>
    private const long MaxFileSize = 1L << 48;

    public static ErofsNode Read(ErofsVolume volume, ErofsSuperblock superblock, long nid)
    {
        if (nid < 0 || nid > (volume.Length >> 5))
        {
            throw volume.Corrupt(null, $"inode number (nid) {nid} is outside the volume");
        }
        long position = superblock.MetaStart + nid * ErofsFormat.InodeSlotSize;
        volume.CheckRange(position, ErofsFormat.CompactInodeSize, $"inode {nid}");
        ReadOnlySpan<byte> compact = volume.ReadMeta(position, ErofsFormat.CompactInodeSize, $"inode {nid}");
        ushort format = BinaryPrimitives.ReadUInt16LittleEndian(compact);
        bool extended = (format & 1) != 0;
        int layoutBits = (format >> 1) & 7;
        if (layoutBits > (int)ErofsDataLayout.ChunkBased)
        {
            throw volume.Corrupt(position, $"inode {nid} has unknown data layout {layoutBits}");
        }
        if ((format & ~0xF) != 0)
        {
            throw volume.Corrupt(position, $"inode {nid} has unknown format bits 0x{format:X4}");
        }

        ReadOnlySpan<byte> raw = extended
            ? volume.ReadMeta(position, ErofsFormat.ExtendedInodeSize, $"extended inode {nid}")
            : compact;
        int xattrCount = BinaryPrimitives.ReadUInt16LittleEndian(raw[2..]);
        int mode = BinaryPrimitives.ReadUInt16LittleEndian(raw[4..]);
        long size = extended
            ? (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]), (ulong)long.MaxValue)
            : BinaryPrimitives.ReadUInt32LittleEndian(raw[8..]);
        if (size > MaxFileSize)
        {
            throw volume.Corrupt(position, $"inode {nid} claims an impossible size of {size} bytes");
        }
        uint union = BinaryPrimitives.ReadUInt32LittleEndian(raw[16..]);

        // Inline xattrs: a 12-byte header followed by (count - 1) 4-byte slots.
        int xattrSize = xattrCount == 0 ? 0 : 12 + (xattrCount - 1) * 4;
        int headerSize = (extended ? ErofsFormat.ExtendedInodeSize : ErofsFormat.CompactInodeSize) + xattrSize;

        var kind = (mode & 0xF000) switch
        {
            0x4000 => FileKind.Directory,
            0x8000 => FileKind.File,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        return new ErofsNode(nid, kind, size, mode, position, headerSize, (ErofsDataLayout)layoutBits, union, extended);
    }
}
