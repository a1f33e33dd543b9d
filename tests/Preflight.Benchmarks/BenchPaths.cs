namespace Preflight.Benchmarks;

/// <summary>Where the benchmark inputs live: artifacts/bench/images (benchmarks/make-bench-images.sh) and
/// testdata/generated/real-binaries (testdata/real-binaries/make.sh). PREFLIGHT_BENCH_IMAGES and
/// PREFLIGHT_BENCH_BINARY override them.</summary>
internal static class BenchPaths
{
    public static string RepoRoot { get; } = FindRepoRoot();

    public static string ImageDirectory =>
        Environment.GetEnvironmentVariable("PREFLIGHT_BENCH_IMAGES") is { Length: > 0 } dir
            ? dir
            : Path.Combine(RepoRoot, "artifacts", "bench", "images");

    public static string Image(string size) => Path.Combine(ImageDirectory, $"bare-ext4-{size}.img");

    /// <summary>containerd (~46 MiB): the real Go binary closest to a kata-agent's size.</summary>
    public static string Binary =>
        Environment.GetEnvironmentVariable("PREFLIGHT_BENCH_BINARY") is { Length: > 0 } file
            ? file
            : Path.Combine(RepoRoot, "testdata", "generated", "real-binaries", "containerd");

    private static string FindRepoRoot()
    {
        foreach (string start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Preflight.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new InvalidOperationException("cannot find the repository root (no Preflight.sln above the working directory or the harness)");
    }
}
