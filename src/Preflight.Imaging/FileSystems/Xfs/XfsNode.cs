using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>How an inode's data fork is stored (di_format).</summary>
internal enum XfsForkFormat
{
    Device = 0,
    Local = 1,
    Extents = 2,
    Btree = 3,
}

/// <summary>
/// A v3 inode as loaded: the 176-byte core fields a reader needs and a copy of the data fork that follows it.
/// The extent map is read on first use, so resolving a path through directories costs only what it touches.
/// </summary>
internal sealed class XfsNode : FileSystemNode
{
    public const int CoreSize = 176;

    private const ushort Magic = 0x494E; // "IN"
    private const ushort RealtimeFlag = 0x1;
    private const ulong Flags2LargeExtentCounts = 1UL << 4;

    private IReadOnlyList<XfsExtent>? _extents;

    private XfsNode(long inode, FileKind kind, long length, int mode, XfsForkFormat format, ulong extentCount, byte[] fork)
        : base(inode, kind, length, mode)
    {
        Format = format;
        ExtentCount = extentCount;
        Fork = fork;
    }

    public XfsForkFormat Format { get; }

    /// <summary>The data fork's extent count from the core (di_nextents or di_big_nextents).</summary>
    public ulong ExtentCount { get; }

    /// <summary>The data fork bytes stored in the inode: inline data, extent records or the btree root.</summary>
    public byte[] Fork { get; }

    public static XfsNode Load(XfsVolume volume, ulong inode)
    {
        XfsSuperblock sb = volume.Superblock;
        long offset = volume.InodeOffset(inode);
        var raw = new byte[sb.InodeSize];
        volume.Read(offset, raw);
        ReadOnlySpan<byte> core = raw;

        if (BinaryPrimitives.ReadUInt16BigEndian(core) != Magic)
        {
            throw Bad(volume, offset, inode, "has no inode magic \"IN\"");
        }
        if (core[4] != 3)
        {
            throw Bad(volume, offset, inode, $"is version {core[4]}, expected a v3 inode on a v5 filesystem");
        }
        ulong selfNumber = BinaryPrimitives.ReadUInt64BigEndian(core[152..]);
        if (selfNumber != inode)
        {
            throw Bad(volume, offset, inode, $"records its own number as {selfNumber}");
        }

        int mode = BinaryPrimitives.ReadUInt16BigEndian(core[2..]);
        var format = (XfsForkFormat)core[5];
        long size = BinaryPrimitives.ReadInt64BigEndian(core[56..]);
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(core[90..]);
        ulong flags2 = BinaryPrimitives.ReadUInt64BigEndian(core[120..]);
        ulong extentCount = sb.HasLargeExtentCounts && (flags2 & Flags2LargeExtentCounts) != 0
            ? BinaryPrimitives.ReadUInt64BigEndian(core[24..])
            : BinaryPrimitives.ReadUInt32BigEndian(core[76..]);

        if (size < 0)
        {
            throw Bad(volume, offset, inode, $"has a negative size {size}");
        }
        if ((flags & RealtimeFlag) != 0)
        {
            throw Bad(volume, offset, inode, "keeps its data on the realtime device, which this reader does not support");
        }

        // The attribute fork, when present, starts forkoff * 8 bytes into the literal area and ends the data fork.
        int literalSize = sb.InodeSize - CoreSize;
        int forkOffset = core[82] * 8;
        int dataForkSize = forkOffset == 0 ? literalSize : forkOffset;
        if (dataForkSize > literalSize)
        {
            throw Bad(volume, offset, inode, $"has an attribute fork offset {forkOffset} beyond its {literalSize}-byte literal area");
        }

        FileKind kind = (mode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.Symlink,
            _ => FileKind.Other,
        };
        if (kind != FileKind.Other && format is not (XfsForkFormat.Local or XfsForkFormat.Extents or XfsForkFormat.Btree))
        {
            throw Bad(volume, offset, inode, $"has data fork format {(int)format}, which is not local, extents or btree");
        }
        if (kind == FileKind.File && format == XfsForkFormat.Local)
        {
            throw Bad(volume, offset, inode, "is a regular file with inline data, which XFS never writes");
        }

        byte[] fork = raw.AsSpan(CoreSize, dataForkSize).ToArray();
        return new XfsNode((long)inode, kind, size, mode, format, extentCount, fork);
    }

    /// <summary>The data fork's extents sorted by file offset (read from the btree on first use).</summary>
    public IReadOnlyList<XfsExtent> Extents(XfsVolume volume) => _extents ??= XfsBlockMap.Read(volume, this);

    private static ImageFormatException Bad(XfsVolume volume, long offset, ulong inode, string problem) =>
        new(volume.Source, offset, $"XFS inode {inode} {problem}");
}
