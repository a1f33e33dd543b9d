using System.Text;

namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// Read-only ext2/ext3/ext4 reader. Opening reads only the superblock; each path lookup reads the group
/// descriptor, inode and directory blocks on its way; file content is read on demand through the file's extent
/// tree, block map or inline data. Nothing is written and journals are not replayed (Kata images are built
/// offline and cleanly unmounted).
/// </summary>
public sealed class Ext4FileSystem : ReadOnlyFileSystem
{
    private const long RootInode = 2;
    private const int MaxCachedNodes = 1024;

    /// <summary>PATH_MAX: a longer link target is corruption, and reading it whole must stay bounded.</summary>
    private const int MaxLinkTarget = 4096;

    private readonly Ext4Volume _volume;
    private readonly Ext4DirectoryReader _directories;
    private readonly Dictionary<long, Ext4Node> _nodes = new();
    private Ext4Node? _root;

    private Ext4FileSystem(Ext4Volume volume, string sourceName)
        : base(sourceName)
    {
        _volume = volume;
        _directories = new Ext4DirectoryReader(volume);
    }

    public override FileSystemType FileSystemType => FileSystemType.Ext4;

    protected override FileSystemNode Root => _root ??= LoadRoot();

    /// <summary>True when the volume starts with this filesystem's superblock.</summary>
    public static bool Probe(Stream volume)
    {
        if (!volume.CanSeek || volume.Length < Ext4Superblock.Offset + Ext4Superblock.Size)
        {
            return false;
        }
        Span<byte> magic = stackalloc byte[2];
        volume.Position = Ext4Superblock.Offset + Ext4Superblock.MagicOffset;
        volume.ReadExactly(magic);
        return magic[0] == 0x53 && magic[1] == 0xEF;
    }

    /// <summary>Opens the filesystem on a seekable, read-only volume stream (the partition, not the whole disk).</summary>
    public static Ext4FileSystem Open(Stream volume, string sourceName)
    {
        if (!volume.CanSeek || !volume.CanRead)
        {
            throw new ArgumentException("the volume stream must be readable and seekable", nameof(volume));
        }
        long length = volume.Length;
        if (length < Ext4Superblock.Offset + Ext4Superblock.Size)
        {
            throw new ImageFormatException(sourceName, null, $"ext4: the volume is only {length} bytes, too small for a superblock");
        }

        var raw = new byte[Ext4Superblock.Size];
        volume.Position = Ext4Superblock.Offset;
        volume.ReadExactly(raw);
        Ext4Superblock superblock = Ext4Superblock.Parse(raw, sourceName);

        // Catching a cut-off image here gives one clear message instead of a failure deep in some later read.
        long needed = superblock.BlocksCount * superblock.BlockSize;
        if (length < needed)
        {
            throw new ImageFormatException(sourceName, length,
                $"ext4: the image is truncated: the superblock says {superblock.BlocksCount} blocks of {superblock.BlockSize} bytes ({needed} bytes) but the volume has {length}");
        }
        return new Ext4FileSystem(new Ext4Volume(volume, sourceName, superblock), sourceName);
    }

    protected override FileSystemNode LoadNode(long inode) => Load(inode);

    protected override IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory)
    {
        var node = (Ext4Node)directory;
        return _directories.Read(node, node.HasInlineData ? null : BlockMapOf(node));
    }

    protected override string ReadLinkTarget(FileSystemNode link)
    {
        var node = (Ext4Node)link;
        if (node.Length > MaxLinkTarget)
        {
            throw _volume.Error(null, $"symbolic link inode {node.Inode} has a {node.Length}-byte target (longer than {MaxLinkTarget})");
        }
        byte[] target;
        if (node.IsFastSymlink)
        {
            target = node.IBlock.AsSpan(0, (int)node.Length).ToArray();
        }
        else
        {
            using Stream content = OpenContent(node);
            target = new byte[node.Length];
            content.ReadExactly(target);
        }
        return Encoding.UTF8.GetString(target);
    }

    protected override Stream OpenContent(FileSystemNode file)
    {
        var node = (Ext4Node)file;
        if (node.HasInlineData)
        {
            return new MemoryStream(Ext4InlineData.Content(node, _volume), writable: false);
        }
        return new Ext4ContentStream(_volume, BlockMapOf(node), node.Length, $"the content of inode {node.Inode}");
    }

    private Ext4Node LoadRoot()
    {
        Ext4Node root = Load(RootInode);
        if (root.Kind != FileKind.Directory)
        {
            throw _volume.Error(null, "the root inode (2) is not a directory");
        }
        return root;
    }

    private Ext4Node Load(long inode)
    {
        if (_nodes.TryGetValue(inode, out Ext4Node? cached))
        {
            return cached;
        }
        Ext4Node node = Ext4Node.Parse(inode, _volume.ReadInode(inode), _volume);
        if (_nodes.Count >= MaxCachedNodes)
        {
            _nodes.Clear();
        }
        _nodes[inode] = node;
        return node;
    }

    private IExt4BlockMap BlockMapOf(Ext4Node node) =>
        node.UsesExtents
            ? new Ext4ExtentMap(_volume, node.Inode, node.IBlock)
            : new Ext4IndirectMap(_volume, node.Inode, node.IBlock);
}
