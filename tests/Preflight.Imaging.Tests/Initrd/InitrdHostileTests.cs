using System.Diagnostics;
using System.Text;
using Preflight.Imaging.Agent;
using Preflight.Imaging.Initrd;
using Xunit.Abstractions;

namespace Preflight.Imaging.Tests.Initrd;

/// <summary>
/// Initrds built here by cpio, gzip and zstd to be hostile: later archives that override the agent, hundreds of
/// thousands of entries, long names, huge files to keep in memory. Time and allocation bounds are generous safety
/// limits (a regression fails instead of exhausting the machine); what is asserted is the outcome.
/// </summary>
public sealed class InitrdHostileTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-initrd-").FullName;

    private string Path(string name) => System.IO.Path.Combine(_directory, name);

    /// <summary>cpio (newc) of a tree holding /usr/bin/kata-agent with the given text, compressed by the command.</summary>
    private static string Archive(string name, string agent, string compress) => $"""
        mkdir -p {name}/usr/bin && printf '{agent}' > {name}/usr/bin/kata-agent
        (cd {name} && find . | LC_ALL=C sort | cpio -o -H newc 2>/dev/null) | {compress} > {name}.part

        """;

    private string AgentIn(string initrd)
    {
        using OpenedImage image = GuestImage.Open(Path(initrd));
        AgentLocation agent = AgentLocator.Locate(image.FileSystem) ?? throw new Xunit.Sdk.XunitException("no agent");
        return Encoding.UTF8.GetString(AgentLocator.ReadAgent(image.FileSystem, agent));
    }

    [Theory]
    [InlineData("zstd -q -c", "gzip -c")]   // zstd rejects the zero padding after its frame (a decoder failure)
    [InlineData("gzip -c", "zstd -q -c")]   // gzip stops cleanly at the padding
    [InlineData("xz -c --check=crc32", "gzip -c")]
    [InlineData("lz4 -q -l -c", "gzip -c")]  // the kernel's legacy lz4 format
    [InlineData("lz4 -q -c", "xz -c --check=crc32")]
    public void A_later_archive_after_zero_padding_overrides_the_agent(string first, string second)
    {
        Tool.Shell(_directory, Archive("a", "first agent", first) + Archive("b", "overriding agent", second) + """
            { cat a.part; head -c 512 /dev/zero; cat b.part; head -c 4096 /dev/zero; } > initrd.img
            """);

        Assert.Equal("overriding agent", AgentIn("initrd.img"));
    }

    [Fact]
    public void Data_after_a_compressed_run_that_is_neither_padding_nor_an_archive_is_an_error()
    {
        Tool.Shell(_directory, Archive("a", "first agent", "zstd -q -c") + """
            { cat a.part; head -c 512 /dev/zero; printf 'junk that is no archive'; head -c 4096 /dev/zero; } > initrd.img
            """);

        var error = Assert.Throws<ImageFormatException>(() => GuestImage.Open(Path("initrd.img")).Dispose());
        output.WriteLine(error.Message);
    }

    [Theory]
    [InlineData("zstd -q -c --check")]  // a zstd frame with its content checksum
    [InlineData("lz4 -q -c")]           // an lz4 frame (content checksum on by default)
    public void A_frame_cut_inside_its_trailing_checksum_is_an_image_format_error(string compress)
    {
        // Found by fuzzing (tests/Preflight.Fuzz, target initrd): the frame walk checked each block against the
        // file's length but not the checksum after the last one, so the scan sliced the file from past its end and
        // an ArgumentOutOfRangeException (exit 4) escaped instead of the corrupt-initrd error.
        Tool.Shell(_directory, Archive("a", "first agent", compress) + """
            head -c -2 a.part > initrd.img
            """);

        var error = Assert.Throws<ImageFormatException>(() => GuestImage.Open(Path("initrd.img")).Dispose());
        output.WriteLine(error.Message);
    }

    [Fact]
    public void Half_a_million_entries_stop_at_the_entry_limit()
    {
        // 5,000 empty files listed 100 times: cpio writes 500,000 entries (a later entry replaces an earlier one).
        Tool.Shell(_directory, """
            mkdir -p many && (cd many && seq 5000 | xargs touch)
            (cd many && for i in $(seq 100); do find . -type f; done | cpio -o -H newc 2>/dev/null) | gzip -1 > initrd.img
            """);

        (ImageFormatException error, TimeSpan took, long allocated) = Measure(() => GuestImage.Open(Path("initrd.img")));

        Assert.Contains($"more than {InitrdLimits.Default.MaxEntries} cpio entries", error.Message);
        output.WriteLine($"500,000 entries: refused in {took.TotalMilliseconds:F0} ms, {allocated >> 20} MiB allocated");
        Assert.True(allocated < 1L << 30, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Long_names_and_link_targets_stop_at_the_name_limit()
    {
        // 1,000 files and 1,000 symbolic links under ~1 KiB paths, listed 40 times: 80,000 entries, ~100 MB of names.
        Tool.Shell(_directory, """
            d=long/$(printf 'd%.0s' $(seq 200))/$(printf 'e%.0s' $(seq 200))/$(printf 'f%.0s' $(seq 200))/$(printf 'g%.0s' $(seq 200))
            mkdir -p "$d"
            x=$(printf 'x%.0s' $(seq 100)); t=$(printf 't%.0s' $(seq 150))
            (cd "$d" && for i in $(seq 1000); do : > "file-$i-$x"; ln -s "../../../../$t-$i" "link-$i"; done)
            (cd long && for i in $(seq 40); do find . ! -type d; done | cpio -o -H newc 2>/dev/null) | gzip -1 > initrd.img
            """);

        (ImageFormatException error, TimeSpan took, long allocated) = Measure(() => GuestImage.Open(Path("initrd.img")));

        Assert.Contains("bytes of entry names and link targets", error.Message);
        output.WriteLine($"80,000 long names: refused in {took.TotalMilliseconds:F0} ms, {allocated >> 20} MiB allocated");
        Assert.True(allocated < 1L << 30, $"allocated {allocated} bytes");
    }

    [Fact]
    public void Three_kept_paths_of_500_MiB_share_one_in_memory_budget()
    {
        // Three 500 MiB files of zeros at paths the agent locator asks to keep: zstd makes a tiny initrd of them.
        Tool.Shell(_directory, """
            mkdir -p big/usr/bin big/sbin
            for f in usr/bin/kata-agent sbin/init init; do truncate -s 500M big/$f; done
            (cd big && find . | cpio -o -H newc 2>/dev/null) | zstd -q -1 > initrd.img
            """);
        output.WriteLine($"initrd of three 500 MiB files: {new FileInfo(Path("initrd.img")).Length} bytes");
        var limits = InitrdLimits.Default with { KeepInMemory = AgentLocator.LikelyAgentPaths };

        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        using (FileStream file = File.OpenRead(Path("initrd.img")))
        using (InitrdFileSystem fs = InitrdFileSystem.Open(file, "initrd.img", limits))
        {
            Assert.Equal(500L << 20, fs.GetEntry("/usr/bin/kata-agent")?.Length);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine($"scan: {watch.ElapsedMilliseconds} ms, {allocated >> 20} MiB allocated");
        Assert.True(allocated <= limits.MaxKeptBytes + (64L << 20), $"allocated {allocated} bytes for the kept paths");
    }

    private static (ImageFormatException Error, TimeSpan Took, long Allocated) Measure(Func<OpenedImage> open)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<ImageFormatException>(() => open().Dispose());
        return (error, watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
