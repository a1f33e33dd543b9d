namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// Read-only XFS v5 reader (what Kata's image builder makes with mkfs.xfs). It reads the superblock, then only
/// the inodes, directory data blocks, block-map btree blocks and file extents on the paths asked for; it never
/// scans allocation groups or the inode btrees, and it never writes.
/// </summary>
public sealed class XfsFileSystem : ReadOnlyFileSystem
{
    private readonly XfsVolume _volume;
    private readonly XfsNode _root;

    private XfsFileSystem(XfsVolume volume, XfsNode root, string sourceName)
        : base(sourceName)
    {
        _volume = volume;
        _root = root;
    }

    public override FileSystemType FileSystemType => FileSystemType.Xfs;

    protected override FileSystemNode Root => _root;

    /// <summary>True when the volume starts with this filesystem's superblock.</summary>
    public static bool Probe(Stream volume)
    {
        if (!volume.CanSeek || volume.Length < XfsSuperblock.ReadSize)
        {
            return false;
        }
        Span<byte> magic = stackalloc byte[4];
        volume.Position = 0;
        volume.ReadExactly(magic);
        return XfsSuperblock.HasMagic(magic);
    }

    /// <summary>Opens the filesystem on a seekable, read-only volume stream (the partition, not the whole disk).</summary>
    public static XfsFileSystem Open(Stream volume, string sourceName)
    {
        if (!volume.CanSeek || !volume.CanRead)
        {
            throw new ArgumentException("the volume stream must be readable and seekable", nameof(volume));
        }
        if (volume.Length < XfsSuperblock.ReadSize)
        {
            throw new ImageFormatException(sourceName, 0, $"too small for an XFS superblock ({volume.Length} bytes)");
        }
        var raw = new byte[XfsSuperblock.ReadSize];
        volume.Position = 0;
        volume.ReadExactly(raw);
        XfsSuperblock superblock = XfsSuperblock.Parse(raw, sourceName);
        if (volume.Length < superblock.SizeInBytes)
        {
            throw new ImageFormatException(sourceName, null,
                $"XFS image is truncated: the superblock says {superblock.SizeInBytes} bytes but the volume has {volume.Length}");
        }

        var xfsVolume = new XfsVolume(volume, superblock, sourceName);
        XfsNode root = XfsNode.Load(xfsVolume, superblock.RootInode);
        if (root.Kind != FileKind.Directory)
        {
            throw new ImageFormatException(sourceName, null, $"XFS root inode {superblock.RootInode} is not a directory");
        }
        return new XfsFileSystem(xfsVolume, root, sourceName);
    }

    protected override FileSystemNode LoadNode(long inode) => XfsNode.Load(_volume, (ulong)inode);

    protected override IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory) =>
        XfsDirectory.Read(_volume, (XfsNode)directory);

    protected override string ReadLinkTarget(FileSystemNode link) => XfsSymlink.ReadTarget(_volume, (XfsNode)link);

    protected override Stream OpenContent(FileSystemNode file)
    {
        var node = (XfsNode)file;
        return new XfsFileStream(_volume, node.Extents(_volume), node.Length);
    }
}
