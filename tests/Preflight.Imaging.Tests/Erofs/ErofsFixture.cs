using Preflight.Imaging.FileSystems.Erofs;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Erofs;

/// <summary>Opens the images and reads the truth files that testdata/erofs/make.sh recorded with the real tools.</summary>
internal static class ErofsFixture
{
    public const string Area = "erofs";

    /// <summary>Every image variant make.sh builds; each has NAME.erofs, NAME.tree, NAME.sha256, NAME.dump.</summary>
    public static readonly string[] Variants =
    [
        "plain", "noinline", "extended", "lz4", "lz4hc", "lz4-noinline", "lz4hc-bigpcluster", "lz4-legacy",
        "lz4-ztailpacking", "chunked", "chunked-indexes",
    ];

    public static TheoryData<string> VariantData()
    {
        var data = new TheoryData<string>();
        foreach (string variant in Variants)
        {
            data.Add(variant);
        }
        return data;
    }

    public static string ImagePath(string name) => TestData.Generated(Area, name + ".erofs");

    public static ErofsFileSystem Open(string name) => Open(name, out _);

    public static ErofsFileSystem Open(string name, out CountingStream counter)
    {
        string path = ImagePath(name);
        counter = new CountingStream(File.OpenRead(path));
        return ErofsFileSystem.Open(counter, path);
    }

    /// <summary>"hash  ./path" lines of sha256sum, as path → hash.</summary>
    public static Dictionary<string, string> Hashes(string name) =>
        File.ReadAllLines(TestData.Generated(Area, name + ".sha256"))
            .Select(line => line.Split("  ./", 2))
            .ToDictionary(parts => "/" + parts[1], parts => parts[0]);

    /// <summary>The find listing of the fsck.erofs extraction: "d\t/path", "l\t/path\ttarget", "f\t/path\tsize".</summary>
    public static string[] Tree(string name) => File.ReadAllLines(TestData.Generated(Area, name + ".tree"));

    /// <summary>dump.erofs's "Layout: N" for each path make.sh asked about ("== /path" headers).</summary>
    public static Dictionary<string, int> DumpedLayouts(string name)
    {
        var layouts = new Dictionary<string, int>();
        string? current = null;
        foreach (string line in File.ReadAllLines(TestData.Generated(Area, name + ".dump")))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal))
            {
                current = line[3..];
                continue;
            }
            int at = line.IndexOf("Layout: ", StringComparison.Ordinal);
            if (current is not null && at >= 0)
            {
                layouts[current] = int.Parse(line[(at + 8)..].Split(' ')[0]);
            }
        }
        return layouts;
    }

    public static byte[] SourceFile(string fileName) => File.ReadAllBytes(TestData.Generated(Area, "source-files", fileName));
}
