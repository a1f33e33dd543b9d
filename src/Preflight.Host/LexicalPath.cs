namespace Preflight.Host;

/// <summary>Path arithmetic on text only, never touching a file system (package members, paths inside --root).</summary>
public static class LexicalPath
{
    /// <summary>
    /// The absolute form of <paramref name="path"/> with ".", ".." and doubled slashes removed, as Go's filepath.Clean
    /// does for an absolute path; ".." stops at the root, so the result never leaves it.
    /// </summary>
    public static string Clean(string path)
    {
        var parts = new List<string>();
        foreach (string segment in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (segment == ".")
            {
                continue;
            }
            if (segment == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(segment);
        }
        return "/" + string.Join('/', parts);
    }
}
