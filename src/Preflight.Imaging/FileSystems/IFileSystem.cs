namespace Preflight.Imaging.FileSystems;

/// <summary>
/// A read-only view of a filesystem inside an image. Shaped like DiscUtils' DiscFileSystem (exists, open, stat,
/// list, read a link) so a DiscUtils-backed implementation could stand in where that package is available.
/// Paths are absolute inside the image ("/usr/bin/kata-agent"); symbolic links resolve inside the image.
/// Missing paths give null / false / FileNotFoundException; malformed structures give ImageFormatException.
/// </summary>
public interface IFileSystem : IDisposable
{
    FileSystemType FileSystemType { get; }

    /// <summary>True when the path exists (links followed).</summary>
    bool Exists(string path);

    /// <summary>Stat: the entry at the path, or null when it does not exist.</summary>
    FileSystemEntry? GetEntry(string path, bool followLinks = true);

    /// <summary>The names in a directory (no "." or ".."), links to directories followed.</summary>
    IReadOnlyList<string> ListDirectory(string path);

    /// <summary>Opens a regular file for reading (links followed). The stream is read-only and seekable.</summary>
    Stream OpenFile(string path);

    /// <summary>The target stored in the symbolic link at the path (its last component is not followed).</summary>
    string ReadLink(string path);

    /// <summary>The path with every symbolic link resolved inside the image.</summary>
    string ResolvePath(string path);
}

public enum FileKind
{
    File,
    Directory,
    Symlink,
    Other,
}

/// <summary>What stat tells: the canonical path (links resolved when followed), kind, size, mode bits, inode.</summary>
public sealed record FileSystemEntry(string Path, FileKind Kind, long Length, int Mode, long Inode);
