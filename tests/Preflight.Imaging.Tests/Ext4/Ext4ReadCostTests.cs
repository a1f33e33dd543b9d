using Xunit.Abstractions;
using System.Security.Cryptography;
using Preflight.Imaging.FileSystems.Ext4;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Ext4;

/// <summary>The reader touches the metadata on the path and the file's own blocks, never the whole image.</summary>
public sealed class Ext4ReadCostTests(ITestOutputHelper output)
{
    [Fact]
    public void Opening_a_file_reads_only_metadata()
    {
        using var counting = new CountingStream(File.OpenRead(TestData.Generated("ext4", "ext4.img")));
        using var fs = Ext4FileSystem.Open(counting, "ext4.img");

        using Stream content = fs.OpenFile("/data/large.bin");
        output.WriteLine($"open /data/large.bin: {counting.BytesRead} bytes in {counting.ReadCalls} reads");
        // superblock, a descriptor, a handful of inodes and one block per directory on the path
        Assert.InRange(counting.BytesRead, 1, 64 * 1024);
        Assert.Equal(3L << 20, content.Length);
    }

    [Fact]
    public void Reading_the_agent_reads_little_more_than_the_agent()
    {
        using var counting = new CountingStream(File.OpenRead(TestData.Generated("ext4", "ext4.img")));
        using var fs = Ext4FileSystem.Open(counting, "ext4.img");

        using Stream content = fs.OpenFile("/bin/kata-agent");
        string hash = Convert.ToHexStringLower(SHA256.HashData(content));

        output.WriteLine($"read /bin/kata-agent (1000000 bytes): {counting.BytesRead} bytes in {counting.ReadCalls} reads");
        Assert.Equal(Ext4Truth.Load("ext4").FileHashes["/usr/bin/kata-agent"], hash);
        Assert.InRange(counting.BytesRead, 1_000_000, 1_000_000 + 64 * 1024);
    }

    [Fact]
    public void A_sparse_file_reads_its_holes_without_touching_the_image()
    {
        using var counting = new CountingStream(File.OpenRead(TestData.Generated("ext4", "ext4.img")));
        using var fs = Ext4FileSystem.Open(counting, "ext4.img");

        using Stream content = fs.OpenFile("/data/sparse.bin");
        long before = counting.BytesRead;
        content.Position = 6L << 20; // past the last data block: a trailing hole
        var buffer = new byte[1 << 20];
        content.ReadExactly(buffer);

        Assert.All(buffer, b => Assert.Equal(0, b));
        Assert.InRange(counting.BytesRead - before, 0, 8 * 1024); // at most the extent tree, no data
    }
}

/// <summary>Looking a name up in the 2000-entry htree directory stops at the leaf block holding it.</summary>
public sealed class Ext4LookupCostTests(ITestOutputHelper output)
{
    [Fact]
    public void Lookup_in_a_big_directory_stops_at_the_match()
    {
        using var counting = new CountingStream(File.OpenRead(TestData.Generated("ext4", "ext4.img")));
        using var fs = Ext4FileSystem.Open(counting, "ext4.img");
        Assert.NotNull(fs.GetEntry("/many"));
        long before = counting.BytesRead;

        // A name early in creation order sits in an early leaf block; the whole directory is 26 blocks (104 KiB).
        Assert.True(fs.Exists("/many/entry-with-a-longish-name-1"));
        long lookup = counting.BytesRead - before;
        output.WriteLine($"lookup in /many: {lookup} bytes");
        Assert.InRange(lookup, 1, 100 * 1024);
    }
}
