using Preflight.Tests;

namespace Preflight.Imaging.Tests.Ext4;

/// <summary>What debugfs and sha256sum said about a fixture image (written by testdata/ext4/make.sh).</summary>
internal sealed class Ext4Truth
{
    private Ext4Truth(string image)
    {
        Image = image;
    }

    public string Image { get; }

    /// <summary>Path → sha256 of the content debugfs dumped.</summary>
    public Dictionary<string, string> FileHashes { get; } = new();

    /// <summary>Path → link target as debugfs stored it.</summary>
    public Dictionary<string, string> Links { get; } = new();

    /// <summary>Directory → (name, inode) of every entry debugfs listed.</summary>
    public Dictionary<string, List<(string Name, long Inode)>> Directories { get; } = new();

    /// <summary>Path → size debugfs listed (files and links; debugfs leaves directories' sizes out).</summary>
    public Dictionary<string, long> Sizes { get; } = new();

    public static Ext4Truth Load(string name)
    {
        var truth = new Ext4Truth(TestData.Generated("ext4", name + ".img"));
        foreach (string line in File.ReadLines(TestData.Generated("ext4", name + ".sha256")))
        {
            int split = line.IndexOf("  ", StringComparison.Ordinal);
            truth.FileHashes[line[(split + 2)..]] = line[..split];
        }
        foreach (string line in File.ReadLines(TestData.Generated("ext4", name + ".links")))
        {
            string[] parts = line.Split('\t');
            truth.Links[parts[0]] = parts[1];
        }
        foreach (string line in File.ReadLines(TestData.Generated("ext4", name + ".ls")))
        {
            string[] parts = line.Split('\t');
            if (!truth.Directories.TryGetValue(parts[0], out var entries))
            {
                truth.Directories[parts[0]] = entries = [];
            }
            entries.Add((parts[1], long.Parse(parts[2])));
            if (parts.Length > 4 && parts[4].Length > 0)
            {
                truth.Sizes[(parts[0] == "/" ? "" : parts[0]) + "/" + parts[1]] = long.Parse(parts[4]);
            }
        }
        return truth;
    }
}
