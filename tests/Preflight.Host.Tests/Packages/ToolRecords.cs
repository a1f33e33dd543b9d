using Preflight.Tests;
using System.Globalization;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

/// <summary>Reads what the real tools (dpkg-deb, rpm, sha256sum) said about the fixtures, for comparison.</summary>
internal static class ToolRecords
{
    public const string Area = "packages";

    /// <summary>"dpkg-deb -c": "perms owner size date time ./path[ -> target| link to ./target]".</summary>
    public static List<PackageFile> DpkgContents(string debPath)
    {
        var files = new List<PackageFile>();
        foreach (string line in File.ReadAllLines(debPath + ".contents"))
        {
            string[] columns = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
            string perms = columns[0];
            long size = long.Parse(columns[2], CultureInfo.InvariantCulture);
            string rest = columns[5];
            (PackageFileKind kind, string name, string? target) = perms[0] switch
            {
                'd' => (PackageFileKind.Directory, rest, (string?)null),
                'l' => (PackageFileKind.Symlink, rest[..rest.IndexOf(" -> ", StringComparison.Ordinal)], rest[(rest.IndexOf(" -> ", StringComparison.Ordinal) + 4)..]),
                'h' => (PackageFileKind.HardLink, rest[..rest.IndexOf(" link to ", StringComparison.Ordinal)], Normalize(rest[(rest.IndexOf(" link to ", StringComparison.Ordinal) + 9)..])),
                '-' => (PackageFileKind.Regular, rest, null),
                _ => (PackageFileKind.Other, rest, null),
            };
            files.Add(new PackageFile(Normalize(name), kind, kind == PackageFileKind.Regular ? size : 0, target, PermissionBits(perms)));
        }
        return files;
    }

    /// <summary>"rpm -qp --dump": "path size mtime digest mode owner group isconfig isdoc rdev symlink".</summary>
    public static List<PackageFile> RpmDump(string rpmPath)
    {
        var files = new List<PackageFile>();
        foreach (string line in File.ReadAllLines(rpmPath + ".dump"))
        {
            string[] columns = line.Split(' ');
            int mode = Convert.ToInt32(columns[4], 8);
            PackageFileKind kind = (mode & 0xF000) switch
            {
                0x8000 => PackageFileKind.Regular,
                0x4000 => PackageFileKind.Directory,
                0xA000 => PackageFileKind.Symlink,
                _ => PackageFileKind.Other,
            };
            long size = kind == PackageFileKind.Regular ? long.Parse(columns[1], CultureInfo.InvariantCulture) : 0;
            string? target = kind == PackageFileKind.Symlink ? columns[10] : null;
            files.Add(new PackageFile(columns[0], kind, size, target, mode & 0xFFF));
        }
        return files;
    }

    /// <summary>payload.sha256: "hex  /path" per regular file, from sha256sum over the staged tree.</summary>
    public static Dictionary<string, string> PayloadHashes()
    {
        var hashes = new Dictionary<string, string>();
        foreach (string line in File.ReadAllLines(TestData.Generated(Area, "payload.sha256")))
        {
            hashes[line[66..]] = line[..64];
        }
        return hashes;
    }

    private static string Normalize(string tarName)
    {
        string trimmed = tarName.TrimStart('.').TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }

    /// <summary>"-rwxr-xr-x" → 0755 (no setuid/sticky in these fixtures).</summary>
    private static int PermissionBits(string perms)
    {
        int mode = 0;
        for (int i = 1; i < 10; i++)
        {
            mode = (mode << 1) | (perms[i] == '-' ? 0 : 1);
        }
        return mode;
    }
}
