using System.Security.Cryptography;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Ext4;

/// <summary>
/// An ext4 file stored in one unbroken run can be read by mapping the image (issue 14: no copy of the agent). The
/// range given must hold exactly the bytes debugfs dumps, at the right place in a partitioned image; a file in
/// pieces, with holes or unwritten extents, or inline in its inode, gets no range and is read the ordinary way.
/// </summary>
public sealed class Ext4StoredRangeTests
{
    [Theory]
    [InlineData("ext4")]
    [InlineData("ext4-1k")]
    [InlineData("ext4-blockmap")]
    [InlineData("ext4-inline")]
    [InlineData("ext3")]
    [InlineData("ext2")]
    public void EveryRangeGivenHoldsTheBytesDebugfsDumps(string name)
    {
        var truth = Ext4Truth.Load(name);
        using OpenedImage image = GuestImage.Open(truth.Image);
        using FileStream raw = File.OpenRead(truth.Image);
        int given = 0;
        foreach (var (path, sha256) in truth.FileHashes)
        {
            using Stream content = image.FileSystem.OpenFile(path);
            if (content is IStoredContiguously stored && stored.StoredAt() is long offset)
            {
                var bytes = new byte[content.Length];
                raw.Position = image.PartitionOffset + offset;
                raw.ReadExactly(bytes);
                Assert.True(sha256 == Convert.ToHexStringLower(SHA256.HashData(bytes)), $"{name}:{path} at {offset}");
                given++;
            }
        }
        Assert.True(given > 0, $"no file of {name} is stored in one run");
    }

    [Fact]
    public void FilesInPiecesOrWithHolesGetNoRange()
    {
        using OpenedImage image = GuestImage.Open(Ext4Truth.Load("ext4").Image);

        Assert.NotNull(StoredAt(image, "/usr/bin/kata-agent"));
        Assert.Null(StoredAt(image, "/data/frag.bin")); // 400 separate pieces
        Assert.Null(StoredAt(image, "/data/sparse.bin")); // holes, and an unwritten extent
        Assert.Null(StoredAt(image, "/data/empty"));
    }

    [Theory]
    [InlineData("gpt-ext4.img")]
    [InlineData("mbr-ext4.img")]
    [InlineData("dax-ext4.img")]
    [InlineData("bare-ext4.img")]
    public void TheAgentsRangeIsInTheImageFileAndHoldsTheAgent(string name)
    {
        string path = TestData.Generated("layouts", name);
        using OpenedImage image = GuestImage.Open(path);
        AgentLocation agent = AgentLocator.Locate(image.FileSystem)!;

        FileRangeInImage range = AgentLocator.StoredRange(image, agent)!.Value;

        using FileStream raw = File.OpenRead(path);
        var bytes = new byte[range.Length];
        raw.Position = range.Offset;
        raw.ReadExactly(bytes);
        Assert.Equal(AgentLocator.ReadAgent(image, agent), bytes);
        Assert.InRange(range.Offset, image.PartitionOffset, image.PartitionOffset + image.PartitionLength - range.Length);
    }

    [Fact]
    public void XfsAndErofsAgentsAreReadTheOrdinaryWay()
    {
        foreach (string name in new[] { "gpt-xfs.img", "gpt-erofs.img" })
        {
            using OpenedImage image = GuestImage.Open(TestData.Generated("layouts", name));
            Assert.Null(AgentLocator.StoredRange(image, AgentLocator.Locate(image.FileSystem)!));
        }
    }

    private static long? StoredAt(OpenedImage image, string path)
    {
        using Stream content = image.FileSystem.OpenFile(path);
        return Assert.IsAssignableFrom<IStoredContiguously>(content).StoredAt();
    }
}
