using System.Text;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// Read-only EROFS reader (what Kata's image builder makes with mkfs.erofs -Enoinline_data). Supports compact and
/// extended inodes; flat (plain and tail-packed), chunk-based and lz4-compressed (full and compact indexes,
/// big pclusters, 0PADDING, ztailpacking) data. Reads only the blocks a lookup or a file needs.
/// </summary>
public sealed class ErofsFileSystem : ReadOnlyFileSystem
{
    /// <summary>Linux's PATH_MAX minus the terminator: no symbolic link target is longer.</summary>
    private const int MaxLinkLength = 4095;

    private readonly ErofsVolume _volume;
    private readonly ErofsSuperblock _superblock;
    private readonly ErofsNode _root;

    private ErofsFileSystem(string sourceName, ErofsVolume volume, ErofsSuperblock superblock, ErofsNode root)
        : base(sourceName)
    {
        _volume = volume;
        _superblock = superblock;
        _root = root;
    }

    public override FileSystemType FileSystemType => FileSystemType.Erofs;

    protected override FileSystemNode Root => _root;

    /// <summary>True when the volume starts with this filesystem's superblock.</summary>
    public static bool Probe(Stream volume)
    {
        if (!volume.CanSeek || volume.Length < ErofsFormat.SuperblockOffset + ErofsFormat.SuperblockSize)
        {
            return false;
        }
        Span<byte> magic = stackalloc byte[4];
        volume.Position = ErofsFormat.SuperblockOffset;
        volume.ReadExactly(magic);
        return ErofsSuperblock.HasMagic(magic);
    }

    /// <summary>Opens the filesystem on a seekable, read-only volume stream (the partition, not the whole disk).</summary>
    public static ErofsFileSystem Open(Stream volume, string sourceName)
    {
        if (!volume.CanSeek || !volume.CanRead)
        {
            throw new ArgumentException("the volume stream must be readable and seekable", nameof(volume));
        }
        if (volume.Length < ErofsFormat.SuperblockOffset + ErofsFormat.SuperblockSize)
        {
            throw new ImageFormatException(sourceName, null,
                $"volume of {volume.Length} bytes is too small to hold an EROFS superblock");
        }
        var raw = new byte[ErofsFormat.SuperblockSize];
        volume.Position = ErofsFormat.SuperblockOffset;
        volume.ReadExactly(raw);
        ErofsSuperblock superblock = ErofsSuperblock.Parse(raw, sourceName);

        long declared = superblock.BlockCount << superblock.BlockSizeBits;
        if (declared > volume.Length)
        {
            throw new ImageFormatException(sourceName, null,
                $"EROFS image is truncated: the superblock declares {superblock.BlockCount} blocks of " +
                $"{superblock.BlockSize} bytes ({declared} bytes) but the volume holds only {volume.Length}");
        }
        var erofsVolume = new ErofsVolume(volume, sourceName, superblock.BlockSizeBits);
        ErofsNode root = ErofsNode.Read(erofsVolume, superblock, superblock.RootNid);
        if (root.Kind != FileKind.Directory)
        {
            throw new ImageFormatException(sourceName, root.Position,
                $"EROFS root inode (nid {superblock.RootNid}) is not a directory");
        }
        return new ErofsFileSystem(sourceName, erofsVolume, superblock, root);
    }

    /// <summary>The data layout of the inode at a path (links not followed): lets tests see what mkfs chose.</summary>
    internal ErofsDataLayout DataLayoutOf(string path)
    {
        FileSystemEntry entry = GetEntry(path, followLinks: false) ?? throw new FileNotFoundException(path);
        return ((ErofsNode)LoadNode(entry.Inode)).Layout;
    }

    protected override FileSystemNode LoadNode(long inode) => ErofsNode.Read(_volume, _superblock, inode);

    protected override IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory)
    {
        var node = (ErofsNode)directory;
        using Stream content = OpenData(node);
        long blocks = BlockCount(node);
        var buffer = new byte[_volume.BlockSize];
        for (long b = 0; b < blocks; b++)
        {
            int length = ReadDirectoryBlock(content, node, b, buffer);
            ReadOnlySpan<byte> block = buffer.AsSpan(0, length);
            foreach (ErofsDirectoryBlock.RawEntry entry in ErofsDirectoryBlock.Parse(block, _volume, node.Inode, b))
            {
                string name = ErofsDirectoryBlock.Name(buffer.AsSpan(0, length), entry);
                if (name is "." or "..")
                {
                    continue;
                }
                yield return new DirectoryEntry(name, entry.Nid);
            }
        }
    }

    /// <summary>
    /// Binary search over the directory's blocks (names are sorted bytewise across blocks, as Linux relies on),
    /// so a lookup in a large directory reads a few blocks instead of all of them.
    /// </summary>
    protected override FileSystemNode? Lookup(FileSystemNode directory, string name)
    {
        byte[] wanted = Encoding.UTF8.GetBytes(name);
        if (wanted.Length == 0 || wanted.Length > ErofsFormat.MaxNameLength)
        {
            return null;
        }
        var node = (ErofsNode)directory;
        using Stream content = OpenData(node);
        var buffer = new byte[_volume.BlockSize];
        long low = 0;
        long high = BlockCount(node) - 1;
        while (low <= high)
        {
            long middle = low + (high - low) / 2;
            int length = ReadDirectoryBlock(content, node, middle, buffer);
            ReadOnlySpan<byte> block = buffer.AsSpan(0, length);
            List<ErofsDirectoryBlock.RawEntry> entries = ErofsDirectoryBlock.Parse(block, _volume, node.Inode, middle);
            if (Compare(wanted, block, entries[0]) < 0)
            {
                high = middle - 1;
                continue;
            }
            if (Compare(wanted, block, entries[^1]) > 0)
            {
                low = middle + 1;
                continue;
            }
            foreach (ErofsDirectoryBlock.RawEntry entry in entries)
            {
                if (Compare(wanted, block, entry) == 0)
                {
                    return LoadNode(entry.Nid);
                }
            }
            return null;
        }
        return null;
    }

    protected override string ReadLinkTarget(FileSystemNode link)
    {
        var node = (ErofsNode)link;
        if (node.Length > MaxLinkLength)
        {
            throw _volume.Corrupt(node.Position, $"symbolic link inode {node.Inode} is {node.Length} bytes long");
        }
        var target = new byte[node.Length];
        using Stream content = OpenData(node);
        content.ReadExactly(target);
        return Encoding.UTF8.GetString(target);
    }

    protected override Stream OpenContent(FileSystemNode file) => OpenData((ErofsNode)file);

    private Stream OpenData(ErofsNode node)
    {
        if (node.Length == 0)
        {
            return new MemoryStream(Array.Empty<byte>(), writable: false);
        }
        IErofsBlockMap map = node.Layout switch
        {
            ErofsDataLayout.FlatPlain or ErofsDataLayout.FlatInline => new ErofsFlatMap(_volume, node),
            ErofsDataLayout.ChunkBased => new ErofsChunkMap(_volume, _superblock, node),
            ErofsDataLayout.CompressedFull or ErofsDataLayout.CompressedCompact => new ErofsCompressedMap(_volume, _superblock, node),
            _ => throw _volume.Corrupt(node.Position, $"inode {node.Inode} has unknown data layout {node.Layout}"),
        };
        return new ErofsContentStream(_volume, map, node.Length, node.Inode,
            _superblock.Has(ErofsFormat.FeatureZeroPadding));
    }

    private long BlockCount(ErofsNode node) => (node.Length + _volume.BlockSize - 1) >> _volume.BlockSizeBits;

    /// <summary>Reads directory block b into buffer; the last block is as long as the inode size says.</summary>
    private int ReadDirectoryBlock(Stream content, ErofsNode node, long b, byte[] buffer)
    {
        long start = b << _volume.BlockSizeBits;
        int length = (int)Math.Min(_volume.BlockSize, node.Length - start);
        content.Position = start;
        content.ReadExactly(buffer, 0, length);
        return length;
    }

    private static int Compare(ReadOnlySpan<byte> wanted, ReadOnlySpan<byte> block, ErofsDirectoryBlock.RawEntry entry) =>
        wanted.SequenceCompareTo(block.Slice(entry.NameStart, entry.NameLength));
}
