namespace Preflight.Imaging.FileSystems;

/// <summary>
/// One inode as a filesystem reader loaded it. Readers subclass it to keep what they need to read the
/// content later (block maps, extents, offsets in an archive).
/// </summary>
public class FileSystemNode
{
    public FileSystemNode(long inode, FileKind kind, long length, int mode)
    {
        Inode = inode;
        Kind = kind;
        Length = length;
        Mode = mode;
    }

    public long Inode { get; }

    public FileKind Kind { get; }

    public long Length { get; }

    /// <summary>The POSIX mode bits (type and permissions) as stored.</summary>
    public int Mode { get; }
}

/// <summary>A name in a directory and the inode it points at.</summary>
public readonly record struct DirectoryEntry(string Name, long Inode);
