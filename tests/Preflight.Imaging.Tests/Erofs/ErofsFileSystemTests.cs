using System.Security.Cryptography;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.FileSystems.Erofs;

namespace Preflight.Imaging.Tests.Erofs;

public sealed class ErofsFileSystemTests
{
    public static TheoryData<string> Variants => ErofsFixture.VariantData();

    [Theory]
    [MemberData(nameof(Variants))]
    public void Tree_matches_what_fsck_erofs_extracted(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        var ours = new List<string>();
        var hashes = new Dictionary<string, string>();
        Walk(fs, "/", ours, hashes);

        string[] expected = ErofsFixture.Tree(variant);
        ours.Sort(StringComparer.Ordinal);
        Assert.Equal(expected.Length, ours.Count);
        Assert.Equal(expected, ours);
        Assert.Equal(ErofsFixture.Hashes(variant), hashes);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Modes_match_the_source_tree(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        int checkedCount = 0;
        foreach (string line in File.ReadAllLines(Preflight.Tests.TestData.Generated("erofs", "source.tree")))
        {
            string[] parts = line.Split('\t');
            FileSystemEntry entry = fs.GetEntry(parts[1], followLinks: false)!;
            Assert.Equal(Convert.ToInt32(parts[^1], 8), entry.Mode & 0xFFF);
            checkedCount++;
        }
        Assert.True(checkedCount > 1000);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Layouts_are_the_ones_dump_erofs_reports(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        Dictionary<string, int> dumped = ErofsFixture.DumpedLayouts(variant);
        Assert.NotEmpty(dumped);
        foreach ((string path, int layout) in dumped)
        {
            Assert.Equal((ErofsDataLayout)layout, fs.DataLayoutOf(path));
        }
    }

    [Theory]
    [InlineData("plain", ErofsDataLayout.FlatInline)]
    [InlineData("noinline", ErofsDataLayout.FlatPlain)]
    [InlineData("lz4", ErofsDataLayout.CompressedCompact)]
    [InlineData("lz4hc-bigpcluster", ErofsDataLayout.CompressedCompact)]
    [InlineData("lz4-legacy", ErofsDataLayout.CompressedFull)]
    [InlineData("lz4-ztailpacking", ErofsDataLayout.CompressedCompact)]
    [InlineData("chunked", ErofsDataLayout.ChunkBased)]
    [InlineData("chunked-indexes", ErofsDataLayout.ChunkBased)]
    public void Fixtures_cover_the_layout_each_variant_is_meant_to_exercise(string variant, ErofsDataLayout expected)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        Assert.Equal(expected, fs.DataLayoutOf("/data/big.bin"));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Random_reads_of_the_big_file_match_the_source_bytes(string variant)
    {
        byte[] source = ErofsFixture.SourceFile("big.bin");
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        using Stream stream = fs.OpenFile("/data/big.bin");
        Assert.True(stream.CanSeek);
        Assert.Equal(source.Length, stream.Length);

        var random = new Random(42);
        var buffer = new byte[10000];
        long[] offsets = [0, source.Length - 1, source.Length - 4096, 4095, 4096, .. Enumerable.Range(0, 40).Select(_ => (long)random.Next(source.Length))];
        foreach (long offset in offsets)
        {
            stream.Position = offset;
            int wanted = (int)Math.Min(buffer.Length, source.Length - offset);
            stream.ReadExactly(buffer, 0, wanted);
            Assert.True(source.AsSpan((int)offset, wanted).SequenceEqual(buffer.AsSpan(0, wanted)), $"mismatch at {offset}");
        }
        stream.Position = source.Length;
        Assert.Equal(0, stream.Read(buffer, 0, buffer.Length));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Links_resolve_inside_the_image(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/links/absolute-agent"));
        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/links/relative-agent"));
        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/links/long-agent"));
        Assert.Equal("/usr/bin/kata-agent", fs.ResolvePath("/bin/kata-agent"));
        Assert.Equal("usr/bin", fs.ReadLink("/bin"));
        Assert.Equal(2999, fs.ReadLink("/links/long-agent").Length);
        Assert.False(fs.Exists("/links/dangling"));
        Assert.Equal(FileKind.Symlink, fs.GetEntry("/links/dangling", followLinks: false)!.Kind);

        var loop = Assert.Throws<ImageFormatException>(() => fs.OpenFile("/links/loop-a"));
        Assert.Contains("loop", loop.Message);

        byte[] agent = ErofsFixture.SourceFile("kata-agent");
        using Stream viaLink = fs.OpenFile("/links/long-agent");
        Assert.Equal(SHA256.HashData(agent), SHA256.HashData(viaLink));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Large_directory_lists_and_looks_up_every_name(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant);
        IReadOnlyList<string> names = fs.ListDirectory("/many");
        Assert.Equal(1000, names.Count);
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        foreach (string name in names)
        {
            Assert.True(fs.Exists("/many/" + name), name);
        }
        Assert.False(fs.Exists("/many/entry-with-a-longish-name-1000"));
        Assert.False(fs.Exists("/many/a"));
        Assert.False(fs.Exists("/many/zzz"));
        Assert.Equal("003\n"u8.ToArray(), ReadAll(fs, "/many/entry-with-a-longish-name-003"));
        Assert.Empty(ReadAll(fs, "/etc/empty"));
        Assert.Equal(FileKind.File, fs.GetEntry("/etc/empty")!.Kind);
        Assert.Equal(FileKind.Directory, fs.GetEntry("/a/b/c/d")!.Kind);
        Assert.Equal("deep inside\n"u8.ToArray(), ReadAll(fs, "/a/b/c/./d/../d/deep.txt"));
    }

    [Fact]
    public void Lookup_in_a_large_directory_reads_fewer_bytes_than_listing_it()
    {
        using ErofsFileSystem fs = ErofsFixture.Open("plain", out CountingStream counter);
        Assert.True(fs.Exists("/many"));
        long before = counter.BytesRead;
        Assert.True(fs.Exists("/many/entry-with-a-longish-name-777"));
        long lookup = counter.BytesRead - before;

        before = counter.BytesRead;
        Assert.Equal(1000, fs.ListDirectory("/many").Count);
        long listing = counter.BytesRead - before;

        Assert.True(lookup * 2 < listing, $"lookup read {lookup} bytes, listing {listing}");
    }

    [Theory]
    [InlineData("lz4")]
    [InlineData("lz4hc-bigpcluster")]
    [InlineData("lz4-legacy")]
    [InlineData("noinline")]
    [InlineData("chunked")]
    public void Reading_the_end_of_a_big_file_reads_only_a_little_of_the_image(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant, out CountingStream counter);
        using Stream stream = fs.OpenFile("/data/big.bin");
        long before = counter.BytesRead;
        stream.Seek(-4096, SeekOrigin.End);
        stream.ReadExactly(new byte[4096]);
        long read = counter.BytesRead - before;
        Assert.True(read < 256 * 1024, $"read {read} bytes for the last 4 KiB of a {stream.Length}-byte file");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Finding_and_reading_the_agent_reads_little_more_than_the_agent(string variant)
    {
        using ErofsFileSystem fs = ErofsFixture.Open(variant, out CountingStream counter);
        using Stream stream = fs.OpenFile("/links/absolute-agent");
        stream.CopyTo(Stream.Null);
        // Superblock, a few inode and directory blocks, then the agent's own (possibly compressed) blocks.
        long budget = stream.Length + 24 * 1024;
        Assert.True(counter.BytesRead < budget, $"read {counter.BytesRead} bytes for a {stream.Length}-byte agent");
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void Probe_recognises_every_variant(string variant)
    {
        using FileStream stream = File.OpenRead(ErofsFixture.ImagePath(variant));
        Assert.True(ErofsFileSystem.Probe(stream));
    }

    [Fact]
    public void Corrupted_magic_is_rejected_with_a_clear_message()
    {
        string path = ErofsFixture.ImagePath("corrupt-magic");
        using FileStream stream = File.OpenRead(path);
        Assert.False(ErofsFileSystem.Probe(stream));
        var error = Assert.Throws<ImageFormatException>(() => ErofsFileSystem.Open(stream, path));
        Assert.Contains("magic", error.Message);
        Assert.Contains(path, error.Message);
        Assert.Equal(1024, error.Offset);
    }

    [Fact]
    public void Truncated_image_is_rejected_with_a_clear_message()
    {
        string path = ErofsFixture.ImagePath("truncated");
        using FileStream stream = File.OpenRead(path);
        Assert.True(ErofsFileSystem.Probe(stream));
        var error = Assert.Throws<ImageFormatException>(() => ErofsFileSystem.Open(stream, path));
        Assert.Contains("truncated", error.Message);
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void Root_pointing_into_file_data_is_rejected()
    {
        string path = ErofsFixture.ImagePath("bad-root");
        using FileStream stream = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() =>
        {
            using ErofsFileSystem fs = ErofsFileSystem.Open(stream, path);
            fs.ListDirectory("/");
        });
        Assert.Contains(path, error.Message);
    }

    private static byte[] ReadAll(ErofsFileSystem fs, string path)
    {
        using Stream stream = fs.OpenFile(path);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Lists the tree in make.sh's "find" format and hashes every regular file.</summary>
    private static void Walk(ErofsFileSystem fs, string directory, List<string> lines, Dictionary<string, string> hashes)
    {
        foreach (string name in fs.ListDirectory(directory))
        {
            string path = directory == "/" ? "/" + name : directory + "/" + name;
            FileSystemEntry entry = fs.GetEntry(path, followLinks: false)!;
            switch (entry.Kind)
            {
                case FileKind.Directory:
                    lines.Add($"d\t{path}");
                    Walk(fs, path, lines, hashes);
                    break;
                case FileKind.Symlink:
                    lines.Add($"l\t{path}\t{fs.ReadLink(path)}");
                    break;
                case FileKind.File:
                    lines.Add($"f\t{path}\t{entry.Length}");
                    using (Stream content = fs.OpenFile(path))
                    {
                        hashes[path] = Convert.ToHexStringLower(SHA256.HashData(content));
                    }
                    break;
                default:
                    lines.Add($"?\t{path}");
                    break;
            }
        }
    }
}
