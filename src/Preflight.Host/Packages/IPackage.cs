namespace Preflight.Host.Packages;

/// <summary>Which package format a file is.</summary>
public enum PackageFormat
{
    Deb,
    Rpm,
}

/// <summary>What the package says about itself.</summary>
/// <param name="Name">Package name ("kata-containers").</param>
/// <param name="Version">The full version as the package manager compares it: deb "[epoch:]upstream[-revision]",
/// rpm "[epoch:]version-release".</param>
/// <param name="Architecture">"amd64", "x86_64", "all", "noarch", ...</param>
/// <param name="Format">deb or rpm.</param>
/// <param name="Fields">Every other field read, by its name: the deb control fields ("Maintainer", "Depends", ...)
/// or, for rpm, "Release", "Epoch", "PayloadFormat", "PayloadCompressor" when present. Case-insensitive.</param>
public sealed record PackageInfo(
    string Name,
    string Version,
    string Architecture,
    PackageFormat Format,
    IReadOnlyDictionary<string, string> Fields)
{
    /// <summary>"deb" or "rpm", as written in reports.</summary>
    public string FormatName => Format == PackageFormat.Deb ? "deb" : "rpm";
}

/// <summary>The kind of one entry in a package's file list.</summary>
public enum PackageFileKind
{
    Regular,
    Directory,
    Symlink,

    /// <summary>A hard link to another path of the same package (tar hard-link entries).</summary>
    HardLink,

    /// <summary>Devices, fifos, sockets: listed but never opened.</summary>
    Other,
}

/// <summary>One entry of a package's file list.</summary>
/// <param name="Path">Absolute path as it will be installed, "/usr/bin/containerd-shim-kata-v2"; directories
/// have no trailing slash; the root directory is "/".</param>
/// <param name="Kind">Regular file, directory, symlink, ...</param>
/// <param name="Size">Size in bytes of a regular file's content; 0 for the rest.</param>
/// <param name="LinkTarget">The target of a symlink exactly as stored (may be relative), or the package path a
/// hard link points at; null otherwise.</param>
/// <param name="Mode">Permission bits (07777).</param>
public sealed record PackageFile(string Path, PackageFileKind Kind, long Size, string? LinkTarget, int Mode);

/// <summary>
/// A read-only view of a .deb or .rpm on disk: its identity, its file list, and the content of any of its files.
/// Nothing is installed, executed or written. The package file is reopened for each read and never held open,
/// so an instance needs no disposing.
/// </summary>
public interface IPackage
{
    /// <summary>The package file this was read from.</summary>
    string SourcePath { get; }

    PackageInfo Info { get; }

    /// <summary>Every entry, in archive order.</summary>
    IReadOnlyList<PackageFile> Files { get; }

    /// <summary>The entry at exactly this path (no link following), or null.</summary>
    PackageFile? Find(string path);

    /// <summary>
    /// The regular file <paramref name="path"/> names once symlinks and hard links inside the package are followed.
    /// Throws <see cref="FileNotFoundException"/> when the path (or a link's target) is not in the package.
    /// </summary>
    PackageFile Resolve(string path);

    /// <summary>
    /// Streams the content of the regular file at <paramref name="path"/>, following symlinks and hard links inside
    /// the package (a few hops at most). The stream is forward-only (the payload is compressed); dispose it.
    /// Throws <see cref="FileNotFoundException"/> when the path (or a link's target) is not in the package.
    /// </summary>
    Stream OpenFile(string path);

    /// <summary>The whole content of a file, refusing (PackageFormatException) files larger than maxBytes.</summary>
    byte[] ReadFile(string path, long maxBytes);

    /// <summary>
    /// Where the regular file at <paramref name="path"/> (no link following) was copied while the list was read, as
    /// a <see cref="PackageCapture"/> asked; null when it was not.
    /// </summary>
    string? CapturedCopy(string path);
}
