using Preflight.Tests;
using System.Security.Cryptography;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

public class DebPackageTests
{
    public static TheoryData<string> Debs => new()
    {
        "kata-containers_3.2.0-1_amd64.gz.deb",
        "kata-containers_3.2.0-1_amd64.xz.deb",
        "kata-containers_3.2.0-1_amd64.zst.deb",
    };

    [Theory]
    [MemberData(nameof(Debs))]
    public void Control_fields_match_dpkg_deb_f(string name)
    {
        string path = TestData.Generated(ToolRecords.Area, name);
        var deb = DebPackage.Open(path);

        Assert.Equal("kata-containers", deb.Info.Name);
        Assert.Equal("3.2.0-1", deb.Info.Version);
        Assert.Equal("amd64", deb.Info.Architecture);
        Assert.Equal("deb", deb.Info.FormatName);
        string? current = null;
        foreach (string line in File.ReadAllLines(path + ".fields"))
        {
            if (line.StartsWith(' '))
            {
                Assert.Contains("\n" + line.Trim(), deb.Info.Fields[current!]);
                continue;
            }
            int colon = line.IndexOf(':');
            current = line[..colon];
            string firstLine = deb.Info.Fields[current].Split('\n')[0];
            Assert.Equal(line[(colon + 1)..].Trim(), firstLine);
        }
    }

    [Theory]
    [MemberData(nameof(Debs))]
    public void File_list_matches_dpkg_deb_c(string name)
    {
        string path = TestData.Generated(ToolRecords.Area, name);
        var deb = DebPackage.Open(path);

        Assert.Equal(ToolRecords.DpkgContents(path), deb.Files);
    }

    [Theory]
    [MemberData(nameof(Debs))]
    public void Every_regular_file_reads_back_with_the_staged_sha256(string name)
    {
        var deb = DebPackage.Open(TestData.Generated(ToolRecords.Area, name));

        Dictionary<string, string> expected = ToolRecords.PayloadHashes();
        Assert.Equal(4, expected.Count);
        foreach ((string file, string sha256) in expected)
        {
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(deb.ReadFile(file, 16 << 20))));
        }
    }

    [Theory]
    [InlineData("/usr/share/kata-containers/kata-containers.img")]        // relative symlink
    [InlineData("/usr/share/kata-containers/kata-containers-latest.img")] // absolute symlink
    public void OpenFile_follows_symlinks_inside_the_package(string link)
    {
        var deb = DebPackage.Open(TestData.Generated(ToolRecords.Area, "kata-containers_3.2.0-1_amd64.xz.deb"));

        using Stream stream = deb.OpenFile(link);
        Assert.Equal(ToolRecords.PayloadHashes()["/usr/share/kata-containers/kata-containers-3.2.0.img"],
            Convert.ToHexStringLower(SHA256.HashData(stream)));
        Assert.Equal(PackageFileKind.Symlink, deb.Find(link)!.Kind);
    }

    [Fact]
    public void OpenFile_follows_a_tar_hard_link_to_its_data()
    {
        var deb = DebPackage.Open(TestData.Generated(ToolRecords.Area, "kata-containers_3.2.0-1_amd64.gz.deb"));

        Assert.Equal(PackageFileKind.HardLink, deb.Find("/usr/bin/kata-runtime")!.Kind);
        byte[] content = deb.ReadFile("/usr/bin/kata-runtime", 1 << 20);
        Assert.Equal(ToolRecords.PayloadHashes()["/usr/bin/containerd-shim-kata-v2"], Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    [Fact]
    public void ReadFile_refuses_a_file_larger_than_the_cap()
    {
        string path = TestData.Generated(ToolRecords.Area, "kata-containers_3.2.0-1_amd64.zst.deb");
        var deb = DebPackage.Open(path);

        var error = Assert.Throws<PackageFormatException>(() => deb.ReadFile("/usr/bin/containerd-shim-kata-v2", 1000));
        Assert.Equal(path, error.File);
        Assert.Contains("300001 bytes", error.Message);
    }

    [Fact]
    public void Missing_paths_and_directories_are_not_files()
    {
        var deb = DebPackage.Open(TestData.Generated(ToolRecords.Area, "kata-containers_3.2.0-1_amd64.gz.deb"));

        Assert.Throws<FileNotFoundException>(() => deb.OpenFile("/usr/bin/kata-agent"));
        Assert.Throws<FileNotFoundException>(() => deb.OpenFile("/usr/bin"));
    }
}
