using System.Security.Cryptography;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.FileSystems.Ext4;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Ext4;

/// <summary>Every fixture flavour read by our reader and compared with what debugfs says about it.</summary>
public sealed class Ext4FileSystemTests
{
    public static TheoryData<string> Images => new()
    {
        "ext4",          // Kata's recipe: 4 KiB, 64bit, flex_bg, extents, htree, uninitialised extents
        "ext4-1k",       // 1 KiB blocks, 128-byte inodes, 32-bit descriptors, depth-2 extent tree
        "ext4-blockmap", // ext4 without extents: indirect block maps
        "ext4-inline",   // inline data files, directories and symlinks
        "ext2",          // 1 KiB blocks, triple indirect block
        "ext3",          // 2 KiB blocks, journal
    };

    [Theory]
    [MemberData(nameof(Images))]
    public void Every_file_reads_back_what_debugfs_dumps(string image)
    {
        var truth = Ext4Truth.Load(image);
        using var fs = OpenImage(truth.Image);

        Assert.True(truth.FileHashes.Count > 2000);
        foreach ((string path, string expected) in truth.FileHashes)
        {
            using Stream content = fs.OpenFile(path);
            Assert.Equal((path, expected), (path, Convert.ToHexStringLower(SHA256.HashData(content))));
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Directory_listings_match_debugfs(string image)
    {
        var truth = Ext4Truth.Load(image);
        using var fs = OpenImage(truth.Image);

        Assert.Contains("/many", truth.Directories.Keys);
        foreach ((string dir, var expected) in truth.Directories)
        {
            var ours = fs.ListDirectory(dir).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(expected.Select(e => e.Name).Order(StringComparer.Ordinal).ToList(), ours);
            foreach ((string name, long inode) in expected)
            {
                FileSystemEntry? entry = fs.GetEntry(dir.TrimEnd('/') + "/" + name, followLinks: false);
                Assert.NotNull(entry);
                Assert.Equal(inode, entry.Inode);
            }
        }
        Assert.Equal(2000, fs.ListDirectory("/many").Count);
        Assert.Empty(fs.ListDirectory("/empty-dir"));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Link_targets_match_debugfs(string image)
    {
        var truth = Ext4Truth.Load(image);
        using var fs = OpenImage(truth.Image);

        Assert.Equal(7, truth.Links.Count);
        foreach ((string path, string target) in truth.Links)
        {
            Assert.Equal((path, target), (path, fs.ReadLink(path)));
        }
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Links_resolve_inside_the_image(string image)
    {
        using var fs = OpenImage(Ext4Truth.Load(image).Image);

        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/bin/kata-agent"));
        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/usr/bin/agent-link"));
        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/usr/lib/agent-up"));
        Assert.Equal("/usr/lib/kata/libfake.so", fs.ResolvePath("/lib/kata/libfake.so"));
        Assert.Equal("/usr/share/doc/deeply/nested/directory/tree/leaf.txt", fs.ResolvePath("/etc/long-link"));

        var loop = Assert.Throws<ImageFormatException>(() => fs.OpenFile("/loop/a"));
        Assert.Contains("loop", loop.Message);
        Assert.False(fs.Exists("/usr/bin/missing"));
        Assert.Null(fs.GetEntry("/data/large.bin/child"));
    }

    [Theory]
    [MemberData(nameof(Images))]
    public void Stat_reports_kind_size_and_mode(string image)
    {
        var truth = Ext4Truth.Load(image);
        using var fs = OpenImage(truth.Image);

        Assert.True(truth.Sizes.Count > 2000);
        foreach ((string path, long size) in truth.Sizes)
        {
            Assert.Equal((path, size), (path, fs.GetEntry(path, followLinks: false)!.Length));
        }

        FileSystemEntry agent = fs.GetEntry("/bin/kata-agent")!;
        Assert.Equal(new FileSystemEntry("/usr/bin/kata-agent", FileKind.File, 1_000_000, 0x81ED, agent.Inode), agent);
        Assert.Equal(FileKind.Directory, fs.GetEntry("/usr/share")!.Kind);
        Assert.Equal(FileKind.Symlink, fs.GetEntry("/bin", followLinks: false)!.Kind);
        Assert.Equal(0, fs.GetEntry("/data/empty")!.Length);
        Assert.Equal(FileSystemType.Ext4, fs.FileSystemType);
    }

    [Theory]
    [InlineData("ext4")]
    [InlineData("ext4-1k")]
    [InlineData("ext2")]
    public void Seeking_reads_the_same_slices_as_debugfs(string image)
    {
        using var fs = OpenImage(Ext4Truth.Load(image).Image);
        string[] lines = File.ReadAllLines(TestData.Generated("ext4", image + ".slices"));

        Assert.Equal(4, lines.Length);
        foreach (string line in lines)
        {
            string[] parts = line.Split(' ');
            long offset = long.Parse(parts[1]);
            var buffer = new byte[int.Parse(parts[2])];
            using Stream content = fs.OpenFile(parts[0]);
            Assert.True(content.CanSeek);
            content.Seek(offset, SeekOrigin.Begin);
            content.ReadExactly(buffer);
            Assert.Equal((parts[0], parts[3]), (parts[0], Convert.ToHexStringLower(SHA256.HashData(buffer))));
        }
    }

    [Fact]
    public void Probe_recognises_real_images_only()
    {
        using (var stream = File.OpenRead(TestData.Generated("ext4", "ext2.img")))
        {
            Assert.True(Ext4FileSystem.Probe(stream));
        }
        using (var stream = File.OpenRead(TestData.Generated("ext4", "broken-magic.img")))
        {
            Assert.False(Ext4FileSystem.Probe(stream));
        }
        Assert.False(Ext4FileSystem.Probe(new MemoryStream(new byte[100])));
    }

    internal static Ext4FileSystem OpenImage(string path) =>
        Ext4FileSystem.Open(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read), Path.GetFileName(path));
}
