using System.Text;
using Preflight.Formats.Cpio;
using Preflight.Formats.Streams;

namespace Preflight.Formats.Tests;

/// <summary>
/// The one cpio reader the initrd and the rpm payload share, on archives GNU cpio writes; the truth is the tree
/// the archive was made from and `cpio -t`.
/// </summary>
public sealed class CpioNewcReaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-cpio-").FullName;

    /// <summary>Files of every length modulo 4 (the padding), an empty one, a directory, a symlink and a hard link.</summary>
    private const string MakeTree = """
        mkdir -p tree/usr/bin tree/etc
        printf a > tree/etc/one; printf ab > tree/etc/two; printf abc > tree/etc/three; printf abcd > tree/etc/four
        printf abcde > tree/etc/five; : > tree/etc/empty; seq 1 3000 > tree/usr/bin/kata-agent
        ln -s ../usr/bin/kata-agent tree/etc/agent-link; ln tree/etc/five tree/etc/five-again
        """;

    [Theory]
    [InlineData("newc")]
    [InlineData("crc")]
    public void Reads_every_entry_cpio_writes_with_its_data(string format)
    {
        Tool.Shell(_directory, MakeTree + $"\n(cd tree && find etc usr | LC_ALL=C sort | cpio -o -H {format} 2>/dev/null) > archive.cpio");
        string[] listed = Tool.Shell(_directory, "cpio -t < archive.cpio 2>/dev/null").Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using FileStream file = File.OpenRead(Path.Combine(_directory, "archive.cpio"));
        var reader = new CpioNewcReader(new ForwardReader(file, long.MaxValue, "", file.Length));
        var names = new List<string>();
        while (reader.Next() is CpioEntry entry)
        {
            names.Add(entry.Name);
            string onDisk = Path.Combine(_directory, "tree", entry.Name);
            if (entry.Header.IsSymlink)
            {
                var target = new byte[entry.Size];
                reader.ReadData(target);
                Assert.Equal(new FileInfo(onDisk).LinkTarget, Encoding.UTF8.GetString(target));
            }
            else if (entry.Header.IsRegularFile && entry.Size > 0)
            {
                // GNU cpio writes a hard-linked file's data with its last name only; the others have none.
                var data = new byte[entry.Size];
                reader.ReadData(data);
                Assert.Equal(File.ReadAllBytes(onDisk), data);
            }
            else
            {
                Assert.True(entry.Header.IsDirectory || entry.Header.IsRegularFile, $"{entry.Name}: mode {entry.Header.Mode:x}");
            }
        }

        Assert.Equal(listed, names);
        Assert.True(reader.ReachedTrailer);
        Assert.Null(reader.Next());
    }

    [Fact]
    public void Entry_data_streams_exactly_the_entry_and_the_next_entry_follows()
    {
        Tool.Shell(_directory, MakeTree + "\n(cd tree && find etc usr | LC_ALL=C sort | cpio -o -H newc 2>/dev/null) > archive.cpio");
        using FileStream file = File.OpenRead(Path.Combine(_directory, "archive.cpio"));
        // No known length, like a decompressed rpm payload.
        var reader = new CpioNewcReader(new ForwardReader(file, long.MaxValue, ""));

        CpioEntry? entry;
        while ((entry = reader.Next()) is not null && entry.Name != "etc/three")
        {
        }
        Assert.NotNull(entry);
        var copy = new MemoryStream();
        using (Stream data = reader.OpenData())
        {
            data.CopyTo(copy, 2);
        }
        Assert.Equal("abc"u8.ToArray(), copy.ToArray());
        Assert.Equal("etc/two", reader.Next()?.Name);
    }

    [Fact]
    public void Concatenated_archives_are_read_one_after_the_other_from_one_input()
    {
        Tool.Shell(_directory, """
            mkdir -p a b && printf one > a/first && printf three > b/second
            (cd a && echo first | cpio -o -H newc 2>/dev/null) > a.cpio
            (cd b && echo second | cpio -o -H newc 2>/dev/null) > b.cpio
            cat a.cpio b.cpio > both.cpio
            """);
        using FileStream file = File.OpenRead(Path.Combine(_directory, "both.cpio"));
        var input = new ForwardReader(file, long.MaxValue, "", file.Length);

        var first = new CpioNewcReader(input);
        Assert.Equal("first", first.Next()?.Name);
        Assert.Null(first.Next());
        Assert.True(first.ReachedTrailer);
        // GNU cpio pads an archive with zeros to its 512-byte block; the kernel skips zeros between archives too.
        input.SkipZeros();
        Assert.Equal(new FileInfo(Path.Combine(_directory, "a.cpio")).Length, input.Position);

        var second = new CpioNewcReader(input);
        Assert.Equal("second", second.Next()?.Name);
        Assert.Null(second.Next());
        Assert.True(second.ReachedTrailer);
    }

    [Fact]
    public void Data_that_ends_at_an_entry_boundary_ends_the_archive_without_a_trailer()
    {
        Tool.Shell(_directory, "mkdir -p t && printf abcd > t/x && (cd t && echo x | cpio -o -H newc 2>/dev/null) > full.cpio");
        // The header (110 bytes), the name "x\0" padded to 112, then 4 data bytes: an entry boundary at 116.
        Tool.Shell(_directory, "head -c 116 full.cpio > cut.cpio");
        using FileStream file = File.OpenRead(Path.Combine(_directory, "cut.cpio"));
        var reader = new CpioNewcReader(new ForwardReader(file, long.MaxValue, ""));

        Assert.Equal("x", reader.Next()?.Name);
        Assert.Null(reader.Next());
        Assert.False(reader.ReachedTrailer);
    }

    [Theory]
    [InlineData(60, "cpio header at offset 0 is cut short")]
    [InlineData(111, "cpio entry name at offset 0 is cut short")]
    [InlineData(114, "cpio entry x is cut short: the data ends inside its 4 bytes")]
    public void An_archive_cut_short_says_where(int keep, string expected)
    {
        Tool.Shell(_directory, $"mkdir -p t && printf abcd > t/x && (cd t && echo x | cpio -o -H newc 2>/dev/null) | head -c {keep} > cut.cpio");
        using FileStream file = File.OpenRead(Path.Combine(_directory, "cut.cpio"));
        var reader = new CpioNewcReader(new ForwardReader(file, long.MaxValue, ""));

        var error = Assert.Throws<InvalidDataException>(() =>
        {
            while (reader.Next() is not null)
            {
            }
        });
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void An_entry_claiming_more_than_a_known_length_holds_runs_past_the_end()
    {
        Tool.Shell(_directory, "mkdir -p t && seq 1 1000 > t/x && (cd t && echo x | cpio -o -H newc 2>/dev/null) > full.cpio");
        using FileStream file = File.OpenRead(Path.Combine(_directory, "full.cpio"));
        var reader = new CpioNewcReader(new ForwardReader(file, long.MaxValue, "", knownLength: 500));

        var error = Assert.Throws<InvalidDataException>(() => reader.Next());
        Assert.Contains("cpio entry x claims 3893 bytes but only 388 remain: it runs past the end of the archive", error.Message);
    }

    [Theory]
    [InlineData("odc", "an old portable (odc, 070707) cpio header")]
    [InlineData("bin", "no cpio newc header magic (070701/070702) at offset 0")]
    public void Other_cpio_formats_are_named_not_misread(string format, string expected)
    {
        Tool.Shell(_directory, $"mkdir -p t && printf abcd > t/x && (cd t && echo x | cpio -o -H {format} 2>/dev/null) > other.cpio");
        using FileStream file = File.OpenRead(Path.Combine(_directory, "other.cpio"));
        var reader = new CpioNewcReader(new ForwardReader(file, long.MaxValue, ""));

        var error = Assert.Throws<InvalidDataException>(() => reader.Next());
        Assert.Contains(expected, error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
