namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>Read-only Ext4 reader (stub until the reader lands).</summary>
public sealed class Ext4FileSystem : ReadOnlyFileSystem
{
    private Ext4FileSystem(string sourceName)
        : base(sourceName)
    {
    }

    public override string FileSystemType => "ext4";

    protected override FileSystemNode Root => throw new NotImplementedException();

    /// <summary>True when the volume starts with this filesystem's superblock.</summary>
    public static bool Probe(Stream volume) => false;

    /// <summary>Opens the filesystem on a seekable, read-only volume stream (the partition, not the whole disk).</summary>
    public static Ext4FileSystem Open(Stream volume, string sourceName) =>
        throw new ImageFormatException(sourceName, null, "ext4 is not supported yet");

    protected override FileSystemNode LoadNode(long inode) => throw new NotImplementedException();

    protected override IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory) => throw new NotImplementedException();

    protected override string ReadLinkTarget(FileSystemNode link) => throw new NotImplementedException();

    protected override Stream OpenContent(FileSystemNode file) => throw new NotImplementedException();
}
