using Preflight.Formats.Compression;
using Preflight.Formats.Streams;
using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Initrd;
using Preflight.Imaging.Layouts;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Initrd;

/// <summary>Initrds made by cpio and the real compressors; truth from sha256sum and `cpio -t`.</summary>
public sealed class InitrdFileSystemTests
{
    private static string AgentSha => File.ReadAllText(TestData.Generated("initrd", "agent.sha256")).Trim();

    private static InitrdFileSystem OpenInitrd(string name, Stream file, InitrdLimits? limits = null) =>
        InitrdFileSystem.Open(file, TestData.Generated("initrd", name), limits ?? InitrdLimits.Default);

    [Theory]
    [InlineData("initrd-none.img", CompressionFormat.None)]
    [InlineData("initrd-crc.img", CompressionFormat.None)]
    [InlineData("initrd-gzip.img", CompressionFormat.Gzip)]
    [InlineData("initrd-zstd.img", CompressionFormat.Zstd)]
    [InlineData("initrd-xz.img", CompressionFormat.Xz)]
    [InlineData("initrd-lz4legacy.img", CompressionFormat.Lz4Legacy)]
    [InlineData("initrd-lz4frame.img", CompressionFormat.Lz4Frame)]
    public void Every_compression_yields_the_agent_and_the_cpio_listing(string name, CompressionFormat compression)
    {
        using FileStream file = File.OpenRead(TestData.Generated("initrd", name));
        Assert.True(InitrdFileSystem.Probe(file));
        using InitrdFileSystem fs = OpenInitrd(name, file);

        Assert.Equal(FileSystemType.Cpio, fs.FileSystemType);
        Assert.Equal([compression], fs.Compressions);
        foreach (string listed in File.ReadAllLines(TestData.Generated("initrd", "initrd.list")).Where(l => l != "."))
        {
            Assert.NotNull(fs.GetEntry("/" + listed, followLinks: false));
        }
        using Stream agent = fs.OpenFile("/usr/bin/kata-agent");
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(agent));
        // The hard link's data travelled with its last name; both names are the same inode.
        Assert.Equal(fs.GetEntry("/usr/bin/kata-agent")!.Inode, fs.GetEntry("/usr/libexec/kata-agent-hardlink")!.Inode);
        Assert.Equal("/sbin/init", fs.ReadLink("/init"));
        Assert.Equal(FileKind.Directory, fs.GetEntry("/lib/systemd")!.Kind);
    }

    [Fact]
    public void Early_uncompressed_archive_then_gzip_and_later_entries_override()
    {
        using FileStream file = File.OpenRead(TestData.Generated("initrd", "initrd-early-gzip.img"));
        using InitrdFileSystem fs = OpenInitrd("initrd-early-gzip.img", file);

        Assert.Equal([CompressionFormat.None, CompressionFormat.Gzip], fs.Compressions);
        Assert.True(fs.Exists("/kernel/x86/microcode/GenuineIntel.bin"));
        using Stream hostname = fs.OpenFile("/etc/hostname");
        Assert.Equal(File.ReadAllText(TestData.Generated("initrd", "hostname.sha256")).Trim(), AgentLocator.Sha256Hex(hostname));
        using Stream agent = fs.OpenFile("/sbin/init");
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(agent));
    }

    [Theory]
    [InlineData("initrd-gzip-padded.img")]
    [InlineData("initrd-zstd-padded.img")]
    public void Zero_padding_after_the_compressed_stream_is_allowed(string name)
    {
        using FileStream file = File.OpenRead(TestData.Generated("initrd", name));
        using InitrdFileSystem fs = OpenInitrd(name, file);
        using Stream agent = fs.OpenFile("/usr/bin/kata-agent");
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(agent));
    }

    [Fact]
    public void Concatenated_gzip_members_are_all_unpacked()
    {
        using FileStream file = File.OpenRead(TestData.Generated("initrd", "initrd-gzip-members.img"));
        using InitrdFileSystem fs = OpenInitrd("initrd-gzip-members.img", file);
        Assert.True(fs.Exists("/etc/extra.conf"));
        Assert.True(fs.Exists("/usr/bin/kata-agent"));
    }

    [Fact]
    public void Large_files_are_read_again_on_open_when_the_memory_budget_is_spent()
    {
        using FileStream file = File.OpenRead(TestData.Generated("initrd", "initrd-zstd.img"));
        using InitrdFileSystem fs = OpenInitrd("initrd-zstd.img", file, new InitrdLimits(SmallFileBytes: 1024, MaxRetainedBytes: 4096));
        using Stream agent = fs.OpenFile("/usr/bin/kata-agent");
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(agent));
    }

    [Theory]
    [InlineData("bad-truncated-gzip.img", "cut short")]
    [InlineData("bad-oversize.cpio", "runs past the end of the archive")]
    [InlineData("bad-not-cpio-gzip.img", "no cpio newc header magic")]
    public void Broken_archives_are_named_errors(string name, string problem)
    {
        string path = TestData.Generated("initrd", name);
        using FileStream file = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() => InitrdFileSystem.Open(file, path));
        Assert.Contains(problem, error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void A_decompression_bomb_stops_at_the_total_limit()
    {
        string path = TestData.Generated("initrd", "bad-bomb-gzip.img");
        using FileStream file = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() =>
            InitrdFileSystem.Open(file, path, new InitrdLimits(MaxDecompressedBytes: 64L * 1024 * 1024)));
        Assert.Contains("MaxDecompressedBytes", error.Message);
        Assert.Contains("67108864", error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void An_entry_over_the_per_entry_limit_is_refused_before_it_is_read()
    {
        string path = TestData.Generated("initrd", "bad-bomb-gzip.img");
        using FileStream file = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() =>
            InitrdFileSystem.Open(file, path, new InitrdLimits(MaxEntryBytes: 16L * 1024 * 1024)));
        Assert.Contains("MaxEntryBytes", error.Message);
        Assert.Contains("zeros", error.Message);
    }

    [Fact]
    public void Guest_image_recognises_an_initrd()
    {
        using OpenedImage opened = GuestImage.Open(TestData.Generated("initrd", "initrd-gzip.img"));
        Assert.Equal(ImageLayout.Initrd, opened.Layout);
        Assert.Equal(FileSystemType.Cpio, opened.FileSystemType);
        Assert.Empty(opened.Partitions);
        AgentLocation? agent = AgentLocator.Locate(opened.FileSystem);
        Assert.NotNull(agent);
        Assert.Equal(AgentFoundBy.Init, agent.FoundBy);
        Assert.Equal("/sbin/init", agent.ResolvedPath);
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(opened.FileSystem, agent));
    }

    [Fact]
    public void Uncompressed_initrd_is_read_in_place_not_copied()
    {
        using OpenedImage opened = GuestImage.Open(TestData.Generated("initrd", "initrd-none.img"));
        long afterScan = opened.BytesRead;
        using Stream agent = opened.FileSystem.OpenFile("/usr/bin/kata-agent");
        Assert.IsType<StreamSlice>(agent);
        Assert.Equal(AgentSha, AgentLocator.Sha256Hex(agent));
        Assert.True(opened.BytesRead >= afterScan + agent.Length);
    }
}
