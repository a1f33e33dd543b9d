namespace Preflight.Imaging.FileSystems;

/// <summary>The filesystems a guest image's root can be read as.</summary>
public enum FileSystemType
{
    /// <summary>ext4, and ext2/ext3 read by the same reader.</summary>
    Ext4,
    Xfs,
    Erofs,

    /// <summary>An initrd's unpacked cpio archives.</summary>
    Cpio,
}

public static class FileSystemTypeNames
{
    /// <summary>The name reports, logs and messages print: "ext4", "xfs", "erofs", "cpio".</summary>
    public static string Name(this FileSystemType type) => type switch
    {
        FileSystemType.Ext4 => "ext4",
        FileSystemType.Xfs => "xfs",
        FileSystemType.Erofs => "erofs",
        FileSystemType.Cpio => "cpio",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown filesystem type"),
    };
}
