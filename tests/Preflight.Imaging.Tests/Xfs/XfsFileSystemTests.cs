using System.Security.Cryptography;
using Preflight.Imaging;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.FileSystems.Xfs;

namespace Preflight.Tests.Xfs;

/// <summary>Our XFS reader against what xfs_db, sha256sum and the protofile say about the same image.</summary>
public sealed class XfsFileSystemTests
{
    private static XfsFileSystem OpenRootfs(out Stream image)
    {
        image = File.OpenRead(XfsTruth.Image);
        return XfsFileSystem.Open(image, XfsTruth.Image);
    }

    [Fact]
    public void Probe_recognises_the_superblock_and_rejects_a_changed_magic()
    {
        using (FileStream good = File.OpenRead(XfsTruth.Image))
        {
            Assert.True(XfsFileSystem.Probe(good));
        }
        using FileStream bad = File.OpenRead(TestData.Generated(XfsTruth.Area, "corrupt-magic.img"));
        Assert.False(XfsFileSystem.Probe(bad));
    }

    [Fact]
    public void The_fixture_covers_every_directory_format()
    {
        // Guards the listing tests below: they only prove something if mkfs made each format.
        IReadOnlyDictionary<string, string> formats = XfsTruth.DirectoryFormats();
        Assert.Equal("shortform", formats["/etc"]);
        Assert.Equal("block", formats["/dirs/block10"]);
        Assert.Equal("leaf", formats["/dirs/leaf300"]);
        Assert.Equal("node", formats["/dirs/node1000"]);
        Assert.Equal("node+btree", formats["/dirs/btree12000"]);
    }

    [Theory]
    [InlineData("/", "_root.txt")]
    [InlineData("/etc", "_etc.txt")]
    [InlineData("/usr", "_usr.txt")]
    [InlineData("/usr/bin", "_usr_bin.txt")]
    [InlineData("/usr/lib", "_usr_lib.txt")]
    [InlineData("/usr/share/deep/deeper", "_usr_share_deep_deeper.txt")]
    [InlineData("/loop", "_loop.txt")]
    [InlineData("/dirs", "_dirs.txt")]
    [InlineData("/dirs/block10", "_dirs_block10.txt")]
    [InlineData("/dirs/leaf300", "_dirs_leaf300.txt")]
    [InlineData("/dirs/node1000", "_dirs_node1000.txt")]
    [InlineData("/dirs/btree12000", "_dirs_btree12000.txt")]
    public void Directory_listing_matches_xfs_db(string path, string lsFile)
    {
        IReadOnlyList<XfsTruth.ListedEntry> expected = XfsTruth.Listing(lsFile);
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            IReadOnlyList<string> names = fs.ListDirectory(path);

            Assert.NotEmpty(expected);
            Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));

            // Inode numbers and kinds for a spread of entries (every entry would rescan big directories each time).
            int step = Math.Max(1, expected.Count / 25);
            for (int i = 0; i < expected.Count; i += step)
            {
                XfsTruth.ListedEntry want = expected[i];
                string childPath = path.TrimEnd('/') + "/" + want.Name;
                FileSystemEntry? got = fs.GetEntry(childPath, followLinks: false);
                Assert.NotNull(got);
                Assert.Equal(want.Inode, got.Inode);
                Assert.Equal(want.Kind, got.Kind);
            }
        }
    }

    [Fact]
    public void Stat_matches_xfs_db_inode_mode_and_size()
    {
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            IReadOnlyList<XfsTruth.Stat> stats = XfsTruth.Stats();
            Assert.True(stats.Count >= 10);
            foreach (XfsTruth.Stat want in stats)
            {
                FileSystemEntry? got = fs.GetEntry(want.Path, followLinks: false);
                Assert.NotNull(got);
                Assert.Equal((want.Path, want.Inode, want.Mode, want.Size), (want.Path, got.Inode, got.Mode, got.Length));
            }
        }
    }

    [Fact]
    public void File_contents_match_sha256_of_the_sources()
    {
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            IReadOnlyDictionary<string, string> sums = XfsTruth.Sha256();
            Assert.Contains("/usr/bin/kata-agent", sums.Keys);
            foreach ((string path, string sha) in sums)
            {
                using Stream content = fs.OpenFile(path);
                Assert.Equal((path, sha), (path, Convert.ToHexStringLower(SHA256.HashData(content))));
            }
        }
    }

    [Fact]
    public void Inline_symlink_targets_match_the_protofile()
    {
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            IReadOnlyDictionary<string, string> links = XfsTruth.Links();
            Assert.True(links.Count >= 5);
            foreach ((string path, string target) in links.Where(l => l.Key != RemoteLink))
            {
                Assert.Equal((path, target), (path, fs.ReadLink(path)));
            }
        }
    }

    private const string RemoteLink = "/usr/lib/remote-link";

    [Fact]
    public void A_remote_symlink_without_its_v5_header_is_rejected_as_xfs_repair_does()
    {
        // mkfs.xfs 6.1 -p writes long link targets without the "XSLM" header v5 requires; xfs_repair flags it.
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            Assert.True(XfsTruth.Links()[RemoteLink].Length > 336, "the remote link must not fit in the inode");
            long inode = fs.GetEntry(RemoteLink, followLinks: false)!.Inode;
            string repair = File.ReadAllText(TestData.Generated(XfsTruth.Area, "repair.txt"));
            Assert.Contains($"bad symlink header ino {inode},", repair);

            var error = Assert.Throws<ImageFormatException>(() => fs.ReadLink(RemoteLink));
            Assert.Contains($"inode {inode}", error.Message);
            Assert.Contains("XSLM", error.Message);
        }
    }

    [Fact]
    public void Relative_and_absolute_links_resolve_inside_the_image()
    {
        IReadOnlyDictionary<string, string> sums = XfsTruth.Sha256();
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/bin/kata-agent"));
            Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/bin/agent-link"));
            Assert.Equal("/usr/lib/several-mib.bin", fs.ResolvePath("/lib64/several-mib.bin"));
            using Stream viaLinks = fs.OpenFile("/bin/agent-link");
            Assert.Equal(sums["/usr/bin/kata-agent"], Convert.ToHexStringLower(SHA256.HashData(viaLinks)));
            Assert.False(fs.Exists("/usr/bin/no-such-file"));
            Assert.Null(fs.GetEntry("/etc/hello.txt/below-a-file"));
        }
    }

    [Fact]
    public void A_symlink_loop_is_reported_not_followed_forever()
    {
        using XfsFileSystem fs = OpenRootfs(out Stream image);
        using (image)
        {
            var error = Assert.Throws<ImageFormatException>(() => fs.OpenFile("/loop/a"));
            Assert.Contains("loop", error.Message);
        }
    }

    [Fact]
    public void Opening_a_40_MiB_file_reads_only_what_is_asked()
    {
        using var counting = new CountingStream(File.OpenRead(XfsTruth.Image));
        using XfsFileSystem fs = XfsFileSystem.Open(counting, XfsTruth.Image);
        long beforeOpen = counting.BytesRead;
        using Stream content = fs.OpenFile("/usr/lib/large-40m.bin");
        Assert.Equal(40L * 1024 * 1024, content.Length);
        Assert.True(counting.BytesRead - beforeOpen < 64 * 1024, $"opening read {counting.BytesRead - beforeOpen} bytes");

        content.Position = 39L * 1024 * 1024;
        var marker = new byte[14];
        content.ReadExactly(marker);
        Assert.Equal("marker 39 MiB\n", System.Text.Encoding.ASCII.GetString(marker));

        content.Seek(-12, SeekOrigin.End);
        var tail = new byte[20];
        Assert.Equal(12, content.Read(tail));
        Assert.Equal("tail marker\n", System.Text.Encoding.ASCII.GetString(tail, 0, 12));
        Assert.Equal(0, content.Read(tail));
        Assert.True(counting.BytesRead < 256 * 1024, $"path walk and two small reads cost {counting.BytesRead} bytes");
    }

    [Fact]
    public void Reading_the_agent_reads_little_more_than_the_agent()
    {
        using var counting = new CountingStream(File.OpenRead(XfsTruth.Image));
        using XfsFileSystem fs = XfsFileSystem.Open(counting, XfsTruth.Image);
        using Stream agent = fs.OpenFile("/usr/bin/kata-agent");
        agent.CopyTo(Stream.Null);
        long overhead = counting.BytesRead - agent.Length;
        Assert.InRange(overhead, 0, 64 * 1024);
    }

    [Fact]
    public void A_changed_superblock_magic_is_a_clear_format_error()
    {
        string path = TestData.Generated(XfsTruth.Area, "corrupt-magic.img");
        using FileStream image = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() => XfsFileSystem.Open(image, path));
        Assert.Equal(path, error.File);
        Assert.Contains("XFSB", error.Message);
    }

    [Fact]
    public void A_truncated_image_is_a_clear_format_error()
    {
        string path = TestData.Generated(XfsTruth.Area, "truncated.img");
        using FileStream image = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() => XfsFileSystem.Open(image, path));
        Assert.Contains("truncated", error.Message);
        Assert.StartsWith(path, error.Message);
    }
}
