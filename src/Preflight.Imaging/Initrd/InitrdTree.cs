using Preflight.Formats.Compression;
using Preflight.Formats.Cpio;
using Preflight.Formats;
using Preflight.Imaging.FileSystems;

namespace Preflight.Imaging.Initrd;

/// <summary>Where an entry's bytes are: in memory, or in a segment of the initrd file to be read again on open.</summary>
internal abstract record CpioContent(long Length);

internal sealed record InMemoryContent(byte[] Data) : CpioContent(Data.Length);

/// <summary>Offset is a byte offset in the file for an uncompressed segment, in the decompressed stream otherwise.</summary>
internal sealed record SegmentContent(int Segment, long Offset, long Length) : CpioContent(Length);

/// <summary>One stretch of the initrd file: an uncompressed cpio archive, or a compressed run to the end of the file.</summary>
internal sealed record InitrdSegment(long FileOffset, CompressionFormat Compression);

/// <summary>
/// The tree the kernel would build unpacking the archives into an empty rootfs, as a mutable model filled during
/// the one scan. Rules from init/initramfs.c: a later entry replaces an earlier one of the same name (a directory
/// that already exists is kept, with its contents); newc hard links (nlink &gt; 1, same ino and device within one
/// archive) share one inode, whichever entry carries the data; TRAILER!!! forgets the links.
/// Unlike the kernel, missing parent directories are created instead of dropping the entry, and symbolic links in
/// the middle of an entry's name are not followed (archives made with `find . | cpio` never need either).
/// </summary>
internal sealed class InitrdTree
{
    private const int MaxDepth = 256;

    private readonly Dictionary<(uint Ino, uint Major, uint Minor), TreeNode> _links = [];
    private readonly int _maxNodes;
    private int _nodes;

    public InitrdTree(int maxNodes)
    {
        _maxNodes = maxNodes;
    }

    public TreeNode Root { get; } = TreeNode.Directory(0x41ED);

    /// <summary>Every node made counts, implied directories and replaced entries included: the tree's memory is bounded.</summary>
    private TreeNode Count(TreeNode node)
    {
        if (++_nodes > _maxNodes)
        {
            throw new FormatLimitException($"more than {_maxNodes} files and directories in the unpacked tree (limit MaxNodes)");
        }
        return node;
    }

    public void EndOfArchive() => _links.Clear();

    /// <summary>Adds an entry; returns the node whose content the caller should fill (null when nothing to fill).</summary>
    public TreeNode? Add(CpioHeader header, string name)
    {
        List<string> parts = SplitName(name);
        if (parts.Count == 0)
        {
            // "." names the root itself: only its mode can change.
            return null;
        }
        TreeNode parent = Root;
        for (int i = 0; i < parts.Count - 1; i++)
        {
            TreeNode? next = parent.Child(parts[i]);
            if (next is null || next.Kind != FileKind.Directory)
            {
                next = Count(TreeNode.Directory(0x41ED));
                parent.SetChild(parts[i], next);
            }
            parent = next;
        }
        string leaf = parts[^1];
        TreeNode? existing = parent.Child(leaf);

        switch (KindOf(header))
        {
            case FileKind.Directory:
                if (existing is { Kind: FileKind.Directory })
                {
                    existing.Mode = (int)header.Mode;
                    return null;
                }
                parent.SetChild(leaf, Count(TreeNode.Directory((int)header.Mode)));
                return null;
            case FileKind.File when header.NLink > 1:
                var key = (header.Ino, header.DevMajor, header.DevMinor);
                if (!_links.TryGetValue(key, out TreeNode? linked))
                {
                    linked = Count(new TreeNode(FileKind.File, (int)header.Mode));
                    _links[key] = linked;
                }
                parent.SetChild(leaf, linked);
                return linked;
            default:
                var node = Count(new TreeNode(KindOf(header), (int)header.Mode));
                parent.SetChild(leaf, node);
                return node;
        }
    }

    private static FileKind KindOf(CpioHeader header) =>
        header.IsRegularFile ? FileKind.File
        : header.IsDirectory ? FileKind.Directory
        : header.IsSymlink ? FileKind.Symlink
        : FileKind.Other;

    /// <summary>Entry names are relative to the rootfs ("./usr/bin", "usr/bin" or "/usr/bin"); ".." stops at the root.</summary>
    public static List<string> SplitName(string name)
    {
        var parts = new List<string>();
        foreach (string part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(part);
        }
        if (parts.Count > MaxDepth)
        {
            throw new InvalidDataException($"entry name is nested more than {MaxDepth} directories deep");
        }
        return parts;
    }
}

internal sealed class TreeNode
{
    private List<string>? _order;
    private Dictionary<string, TreeNode>? _children;

    public TreeNode(FileKind kind, int mode)
    {
        Kind = kind;
        Mode = mode;
    }

    public static TreeNode Directory(int mode) => new(FileKind.Directory, mode) { _order = [], _children = new(StringComparer.Ordinal) };

    public FileKind Kind { get; }

    public int Mode { get; set; }

    public CpioContent? Content { get; set; }

    /// <summary>One of this file's names is in InitrdLimits.KeepInMemory (a hard link's data may come under another).</summary>
    public bool KeepInMemory { get; set; }

    public string? LinkTarget { get; set; }

    public IEnumerable<(string Name, TreeNode Node)> Children =>
        _order is null ? [] : _order.Select(n => (n, _children![n]));

    public TreeNode? Child(string name) => _children is not null && _children.TryGetValue(name, out TreeNode? c) ? c : null;

    public void SetChild(string name, TreeNode node)
    {
        if (!_children!.ContainsKey(name))
        {
            _order!.Add(name);
        }
        _children[name] = node;
    }
}
