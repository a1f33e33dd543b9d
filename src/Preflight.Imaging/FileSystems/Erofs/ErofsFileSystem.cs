namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>Read-only Erofs reader (stub until the reader lands).</summary>
public sealed class ErofsFileSystem : ReadOnlyFileSystem
{
    private ErofsFileSystem(string sourceName)
        : base(sourceName)
    {
    }

    public override string FileSystemType => "erofs";

    protected override FileSystemNode Root => throw new NotImplementedException();

    /// <summary>True when the volume starts with this filesystem's superblock.</summary>
    public static bool Probe(Stream volume) => false;

    /// <summary>Opens the filesystem on a seekable, read-only volume stream (the partition, not the whole disk).</summary>
    public static ErofsFileSystem Open(Stream volume, string sourceName) =>
        throw new ImageFormatException(sourceName, null, "erofs is not supported yet");

    protected override FileSystemNode LoadNode(long inode) => throw new NotImplementedException();

    protected override IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory) => throw new NotImplementedException();

    protected override string ReadLinkTarget(FileSystemNode link) => throw new NotImplementedException();

    protected override Stream OpenContent(FileSystemNode file) => throw new NotImplementedException();
}
