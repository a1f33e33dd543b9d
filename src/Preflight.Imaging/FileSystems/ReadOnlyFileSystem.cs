namespace Preflight.Imaging.FileSystems;

/// <summary>
/// Path semantics shared by every format: walking components, "." and "..", and symbolic links resolved inside
/// the image with a hop limit. A format only says how to load an inode, list a directory, read a link and open
/// a file's content, so the rules about paths live in one place.
/// </summary>
public abstract class ReadOnlyFileSystem : IFileSystem
{
    /// <summary>Same limit as Linux (MAXSYMLINKS): more hops than this is a loop.</summary>
    public const int MaxSymlinkHops = 40;

    private const int MaxPathComponents = 4096;

    protected ReadOnlyFileSystem(string sourceName)
    {
        SourceName = sourceName;
    }

    /// <summary>The image file this filesystem was read from, for error messages.</summary>
    public string SourceName { get; }

    public abstract FileSystemType FileSystemType { get; }

    protected abstract FileSystemNode Root { get; }

    protected abstract FileSystemNode LoadNode(long inode);

    /// <summary>The entries of a directory node, without "." and "..".</summary>
    protected abstract IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory);

    protected abstract string ReadLinkTarget(FileSystemNode link);

    protected abstract Stream OpenContent(FileSystemNode file);

    /// <summary>A child by name; formats with an index (hashed or sorted directories) may override the scan.</summary>
    protected virtual FileSystemNode? Lookup(FileSystemNode directory, string name)
    {
        foreach (DirectoryEntry entry in ReadDirectory(directory))
        {
            if (entry.Name == name)
            {
                return LoadNode(entry.Inode);
            }
        }
        return null;
    }

    public bool Exists(string path) => Resolve(path, followLast: true) is not null;

    public FileSystemEntry? GetEntry(string path, bool followLinks = true)
    {
        ResolvedNode? found = Resolve(path, followLinks);
        return found is null ? null : ToEntry(found.Value);
    }

    public IReadOnlyList<string> ListDirectory(string path)
    {
        ResolvedNode found = Resolve(path, followLast: true) ?? throw NotFound(path);
        if (found.Node.Kind != FileKind.Directory)
        {
            throw new IOException($"{SourceName}: {path} is not a directory");
        }
        return ReadDirectory(found.Node).Select(e => e.Name).ToList();
    }

    public Stream OpenFile(string path)
    {
        ResolvedNode found = Resolve(path, followLast: true) ?? throw NotFound(path);
        if (found.Node.Kind != FileKind.File)
        {
            throw new IOException($"{SourceName}: {path} is not a regular file");
        }
        return OpenContent(found.Node);
    }

    public string ReadLink(string path)
    {
        ResolvedNode found = Resolve(path, followLast: false) ?? throw NotFound(path);
        if (found.Node.Kind != FileKind.Symlink)
        {
            throw new IOException($"{SourceName}: {path} is not a symbolic link");
        }
        return ReadLinkTarget(found.Node);
    }

    public string ResolvePath(string path) => (Resolve(path, followLast: true) ?? throw NotFound(path)).Path;

    public virtual void Dispose()
    {
        GC.SuppressFinalize(this);
    }

    private FileNotFoundException NotFound(string path) => new($"{SourceName}: {path} does not exist in the image", path);

    private static FileSystemEntry ToEntry(ResolvedNode found) =>
        new(found.Path, found.Node.Kind, found.Node.Length, found.Node.Mode, found.Node.Inode);

    private readonly record struct ResolvedNode(FileSystemNode Node, string Path);

    /// <summary>
    /// Walks the path from the root. A link's absolute target restarts at the image root (never the host's);
    /// a relative one continues from the link's directory. Returns null when a component does not exist.
    /// </summary>
    private ResolvedNode? Resolve(string path, bool followLast)
    {
        var pending = new Stack<string>(SplitReversed(path));
        var stack = new List<(string Name, FileSystemNode Node)>();
        int hops = 0;
        int steps = 0;

        while (pending.Count > 0)
        {
            if (++steps > MaxPathComponents)
            {
                throw new ImageFormatException(SourceName, null, $"path {path} has too many components to resolve");
            }
            string name = pending.Pop();
            if (name == ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (stack.Count > 0)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
                continue;
            }

            FileSystemNode parent = stack.Count == 0 ? Root : stack[^1].Node;
            if (parent.Kind != FileKind.Directory)
            {
                return null;
            }
            FileSystemNode? child = Lookup(parent, name);
            if (child is null)
            {
                return null;
            }

            bool isLast = pending.Count == 0;
            if (child.Kind == FileKind.Symlink && (!isLast || followLast))
            {
                if (++hops > MaxSymlinkHops)
                {
                    throw new ImageFormatException(SourceName, null,
                        $"symbolic link loop while resolving {path} (more than {MaxSymlinkHops} hops)");
                }
                string target = ReadLinkTarget(child);
                if (target.Length == 0)
                {
                    throw new ImageFormatException(SourceName, null, $"empty symbolic link target while resolving {path}");
                }
                if (target.StartsWith('/'))
                {
                    stack.Clear();
                }
                foreach (string part in SplitReversed(target))
                {
                    pending.Push(part);
                }
                continue;
            }
            stack.Add((name, child));
        }

        FileSystemNode node = stack.Count == 0 ? Root : stack[^1].Node;
        string canonical = "/" + string.Join('/', stack.Select(s => s.Name));
        return new ResolvedNode(node, canonical);
    }

    /// <summary>The components in reverse order, ready to push on a stack so the first one pops first.</summary>
    private static IEnumerable<string> SplitReversed(string path) =>
        path.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse();
}
