namespace Preflight.Tests;

/// <summary>Finds the repository's testdata folder from wherever the test runner starts.</summary>
internal static class TestData
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRepositoryRoot);

    public static string Root => RepositoryRoot.Value;

    public static string Dir => System.IO.Path.Combine(Root, "testdata");

    /// <summary>A path under testdata/; fails loudly when a generated fixture is missing.</summary>
    public static string Path(params string[] parts)
    {
        string path = System.IO.Path.Combine([Dir, .. parts]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException(
                $"fixture {path} is missing: run testdata/make-fixtures.sh (it builds every fixture with the real tools)", path);
        }
        return path;
    }

    /// <summary>A path under testdata/generated/ (made by testdata/make-fixtures.sh, not committed).</summary>
    public static string Generated(params string[] parts) => Path(["generated", .. parts]);

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "Preflight.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Preflight.sln not found above " + AppContext.BaseDirectory);
    }
}
