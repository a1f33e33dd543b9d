using Preflight.Imaging;
using Preflight.Imaging.FileSystems.Xfs;

namespace Preflight.Tests.Xfs;

/// <summary>
/// damaged.img has one structure per path broken by xfs_db in expert mode (damaged.txt records what xfs_db then
/// sees). Each break must surface as an ImageFormatException naming the image and the structure, and must not
/// spoil paths that do not touch it.
/// </summary>
public sealed class XfsDamagedImageTests
{
    private static string Damaged => TestData.Generated(XfsTruth.Area, "damaged.img");

    [Theory]
    [InlineData("/dirs/leaf300", "dblock0.magic = 0x41424344", "magic 0x41424344, expected \"XDB3\" or \"XDD3\"")]
    [InlineData("/dirs/btree12000", "magic = 0x41424344", "without magic \"BMA3\"")]
    [InlineData("/dirs/node1000", "u3.bmx[0].startblock = 99999999", "block 99999999 (AG 3051")]
    public void A_broken_directory_structure_is_a_format_error(string directory, string xfsDbSays, string problem)
    {
        AssertDamageRecorded(xfsDbSays);
        using FileStream image = File.OpenRead(Damaged);
        using XfsFileSystem fs = XfsFileSystem.Open(image, Damaged);
        var error = Assert.Throws<ImageFormatException>(() => fs.ListDirectory(directory));
        Assert.StartsWith(Damaged + ": XFS", error.Message);
        Assert.Contains(problem, error.Message);
    }

    [Fact]
    public void An_extent_count_larger_than_the_fork_is_a_format_error()
    {
        AssertDamageRecorded("core.nextents = 500");
        using FileStream image = File.OpenRead(Damaged);
        using XfsFileSystem fs = XfsFileSystem.Open(image, Damaged);
        var error = Assert.Throws<ImageFormatException>(() => fs.OpenFile("/etc/hello.txt"));
        Assert.Contains("claims 500 extents", error.Message);
    }

    [Fact]
    public void An_inode_without_its_magic_is_a_format_error_and_its_neighbours_still_read()
    {
        AssertDamageRecorded("core.magic = 0x4142");
        using FileStream image = File.OpenRead(Damaged);
        using XfsFileSystem fs = XfsFileSystem.Open(image, Damaged);
        var error = Assert.Throws<ImageFormatException>(() => fs.OpenFile("/usr/bin/kata-agent"));
        Assert.Contains("no inode magic \"IN\"", error.Message);
        Assert.NotNull(error.Offset);

        // The same inode cluster holds /usr/bin's other entries; one bad inode must not poison them.
        Assert.Equal("kata-agent", fs.ReadLink("/usr/bin/agent-link"));
        using Stream hello = fs.OpenFile("/usr/share/deep/deeper/leaf.txt");
        Assert.Equal(XfsTruth.Sha256()["/usr/share/deep/deeper/leaf.txt"],
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(hello)));
    }

    private static void AssertDamageRecorded(string xfsDbSays) =>
        Assert.Contains(xfsDbSays, File.ReadAllLines(TestData.Generated(XfsTruth.Area, "damaged.txt")));
}
