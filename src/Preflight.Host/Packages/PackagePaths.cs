namespace Preflight.Host.Packages;

/// <summary>Package-internal path rules shared by the deb and rpm readers.</summary>
internal static class PackagePaths
{
    /// <summary>
    /// Turns an archive member name ("./usr/bin/x", "usr/bin/x/", "/usr/bin/x") into the installed path
    /// "/usr/bin/x". "." and ".." segments are folded, never climbing above the root.
    /// </summary>
    public static string Normalize(string archivePath) => LexicalPath.Clean(archivePath);

    /// <summary>Where a symlink at <paramref name="linkPath"/> pointing at <paramref name="target"/> leads, inside the package.</summary>
    public static string ResolveLinkTarget(string linkPath, string target)
    {
        if (target.StartsWith('/'))
        {
            // An absolute target means the same path once installed, so it stays inside the package's root.
            return Normalize(target);
        }
        int slash = linkPath.LastIndexOf('/');
        string directory = slash <= 0 ? "/" : linkPath[..slash];
        return Normalize(directory + "/" + target);
    }
}
