using System.Globalization;
using Preflight.Imaging.FileSystems;

namespace Preflight.Tests.Xfs;

/// <summary>What the real tools (xfs_db, sha256sum, the protofile) recorded next to the XFS fixture.</summary>
internal static class XfsTruth
{
    public const string Area = "xfs";

    public static string Image => TestData.Generated(Area, "rootfs.img");

    /// <summary>One line of `xfs_db ls`: cookie, inode, type, hash, name length, name, "(good)".</summary>
    public sealed record ListedEntry(string Name, long Inode, FileKind Kind);

    public sealed record Stat(string Path, long Inode, int Mode, long Size, string ForkFormat);

    public static IReadOnlyList<ListedEntry> Listing(string lsFile)
    {
        var entries = new List<ListedEntry>();
        foreach (string line in File.ReadLines(TestData.Generated(Area, "ls", lsFile)))
        {
            string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length != 7 || columns[6] != "(good)")
            {
                continue; // the "current inode" chatter xfs_db may print
            }
            string name = columns[5];
            if (name is "." or "..")
            {
                continue;
            }
            FileKind kind = columns[2] switch
            {
                "directory" => FileKind.Directory,
                "regular" => FileKind.File,
                "symlink" => FileKind.Symlink,
                _ => FileKind.Other,
            };
            entries.Add(new ListedEntry(name, long.Parse(columns[1], CultureInfo.InvariantCulture), kind));
        }
        return entries;
    }

    public static IReadOnlyList<Stat> Stats() =>
        File.ReadLines(TestData.Generated(Area, "stat.txt"))
            .Select(line => line.Split(' '))
            .Select(c => new Stat(c[0], long.Parse(c[1], CultureInfo.InvariantCulture), Convert.ToInt32(c[2], 8),
                long.Parse(c[3], CultureInfo.InvariantCulture), c[4]))
            .ToList();

    public static IReadOnlyDictionary<string, string> Sha256() =>
        File.ReadLines(TestData.Generated(Area, "sha256.txt"))
            .Select(line => line.Split("  ", 2))
            .ToDictionary(c => c[1], c => c[0]);

    public static IReadOnlyDictionary<string, string> Links() =>
        File.ReadLines(TestData.Generated(Area, "links.txt"))
            .Select(line => line.Split(' ', 2))
            .ToDictionary(c => c[0], c => c[1]);

    public static IReadOnlyDictionary<string, string> DirectoryFormats() =>
        File.ReadLines(TestData.Generated(Area, "dirformats.txt"))
            .Select(line => line.Split(' ', 2))
            .ToDictionary(c => c[0], c => c[1]);
}
