using Preflight.Tests;
using System.Security.Cryptography;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

public class RpmPackageTests
{
    public static TheoryData<string> Rpms => new()
    {
        "kata-containers-3.2.0-1.x86_64.gz.rpm",
        "kata-containers-3.2.0-1.x86_64.xz.rpm",
        "kata-containers-3.2.0-1.x86_64.zst.rpm",
    };

    [Theory]
    [MemberData(nameof(Rpms))]
    public void Identity_matches_rpm_query(string name)
    {
        string path = TestData.Generated(ToolRecords.Area, name);
        var rpm = RpmPackage.Open(path);

        // make.sh: rpm -qp --qf 'NAME\n[EPOCH:]VERSION-RELEASE\nARCH\nPAYLOADCOMPRESSOR\n'
        string[] expected = File.ReadAllLines(path + ".qf");
        Assert.Equal(expected[0], rpm.Info.Name);
        Assert.Equal(expected[1], rpm.Info.Version);
        Assert.Equal(expected[2], rpm.Info.Architecture);
        Assert.Equal(expected[3], rpm.Info.Fields["PayloadCompressor"]);
        Assert.Equal("rpm", rpm.Info.FormatName);
    }

    [Theory]
    [MemberData(nameof(Rpms))]
    public void File_list_matches_rpm_dump_and_list(string name)
    {
        string path = TestData.Generated(ToolRecords.Area, name);
        var rpm = RpmPackage.Open(path);

        Assert.Equal(ToolRecords.RpmDump(path), rpm.Files);
        Assert.Equal(File.ReadAllLines(path + ".list"), rpm.Files.Select(file => file.Path));
    }

    [Theory]
    [MemberData(nameof(Rpms))]
    public void Every_regular_file_reads_back_with_the_staged_sha256(string name)
    {
        var rpm = RpmPackage.Open(TestData.Generated(ToolRecords.Area, name));

        foreach ((string file, string sha256) in ToolRecords.PayloadHashes())
        {
            // kata-runtime is a hard link: cpio carries its bytes once, on one of the two names.
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(rpm.ReadFile(file, 16 << 20))));
        }
    }

    [Fact]
    public void OpenFile_follows_the_image_symlink()
    {
        var rpm = RpmPackage.Open(TestData.Generated(ToolRecords.Area, "kata-containers-3.2.0-1.x86_64.zst.rpm"));

        using Stream stream = rpm.OpenFile("/usr/share/kata-containers/kata-containers.img");
        Assert.Equal(ToolRecords.PayloadHashes()["/usr/share/kata-containers/kata-containers-3.2.0.img"],
            Convert.ToHexStringLower(SHA256.HashData(stream)));
    }

    [Theory]
    [InlineData("kata-containers-3.2.0-1.x86_64.xz.rpm", typeof(RpmPackage))]
    [InlineData("kata-containers_3.2.0-1_amd64.zst.deb", typeof(DebPackage))]
    public void PackageReader_picks_the_format_by_magic(string name, Type expected)
    {
        IPackage package = PackageReader.Open(TestData.Generated(ToolRecords.Area, name));

        Assert.IsType(expected, package);
        Assert.Equal("kata-containers", package.Info.Name);
    }
}
