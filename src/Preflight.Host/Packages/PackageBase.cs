namespace Preflight.Host.Packages;

/// <summary>
/// What the deb and rpm readers share once they have a file list: lookup by path, link following and bounded
/// reads. A subclass only knows how to stream one regular file's bytes out of its payload.
/// </summary>
public abstract class PackageBase : IPackage
{
    /// <summary>How many symlink or hard-link hops OpenFile follows before it calls the chain a loop.</summary>
    public const int MaxLinkHops = 8;

    private readonly Dictionary<string, PackageFile> _byPath;
    private readonly IReadOnlyDictionary<string, string> _captured;

    protected PackageBase(string sourcePath, PackageInfo info, IReadOnlyList<PackageFile> files, IReadOnlyDictionary<string, string>? captured = null)
    {
        SourcePath = sourcePath;
        Info = info;
        Files = files;
        _captured = captured ?? new Dictionary<string, string>();
        _byPath = new Dictionary<string, PackageFile>(StringComparer.Ordinal);
        foreach (PackageFile file in files)
        {
            // A later entry for the same path replaces an earlier one, as it would when unpacked.
            _byPath[file.Path] = file;
        }
    }

    public string SourcePath { get; }

    public PackageInfo Info { get; }

    public IReadOnlyList<PackageFile> Files { get; }

    public PackageFile? Find(string path) => _byPath.GetValueOrDefault(PackagePaths.Normalize(path));

    public string? CapturedCopy(string path) => _captured.GetValueOrDefault(PackagePaths.Normalize(path));

    /// <summary>The regular file that <paramref name="path"/> names once links are followed.</summary>
    public PackageFile Resolve(string path)
    {
        string current = PackagePaths.Normalize(path);
        for (int hop = 0; hop <= MaxLinkHops; hop++)
        {
            PackageFile file = _byPath.GetValueOrDefault(current)
                ?? throw new FileNotFoundException(
                    current == PackagePaths.Normalize(path)
                        ? $"{SourcePath}: no {current} in the package"
                        : $"{SourcePath}: {path} leads to {current}, which is not in the package",
                    current);
            switch (file.Kind)
            {
                case PackageFileKind.Regular:
                    return file;
                case PackageFileKind.Symlink:
                    current = PackagePaths.ResolveLinkTarget(file.Path, file.LinkTarget ?? "");
                    break;
                case PackageFileKind.HardLink:
                    current = PackagePaths.Normalize(file.LinkTarget ?? "");
                    break;
                default:
                    throw new FileNotFoundException($"{SourcePath}: {current} is a {file.Kind.ToString().ToLowerInvariant()}, not a regular file", current);
            }
        }
        throw new PackageFormatException(SourcePath, null, $"{path}: more than {MaxLinkHops} links in a row (a loop?)");
    }

    public Stream OpenFile(string path) => OpenContent(Resolve(path));

    public byte[] ReadFile(string path, long maxBytes)
    {
        PackageFile file = Resolve(path);
        if (file.Size > maxBytes || file.Size > Array.MaxLength)
        {
            throw new PackageFormatException(SourcePath, null, $"{file.Path} is {file.Size} bytes, more than the {maxBytes} allowed");
        }
        var content = new byte[file.Size];
        using Stream stream = OpenContent(file);
        stream.ReadExactly(content);
        return content;
    }

    /// <summary>Streams exactly <paramref name="file"/>.Size bytes of a regular file found in <see cref="Files"/>.</summary>
    protected abstract Stream OpenContent(PackageFile file);
}
