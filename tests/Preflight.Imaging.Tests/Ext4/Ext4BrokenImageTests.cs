using Preflight.Imaging.FileSystems.Ext4;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Ext4;

/// <summary>Real images damaged by dd in testdata/ext4/make.sh: each must give one clear ImageFormatException.</summary>
public sealed class Ext4BrokenImageTests
{
    [Fact]
    public void Corrupt_superblock_magic_is_rejected_on_open()
    {
        var error = Assert.Throws<ImageFormatException>(() => Open("broken-magic.img"));
        Assert.Contains("broken-magic.img", error.Message);
        Assert.Contains("magic", error.Message);
        Assert.Equal(1024 + 56, error.Offset);
    }

    [Fact]
    public void Truncated_image_is_rejected_on_open()
    {
        var error = Assert.Throws<ImageFormatException>(() => Open("broken-truncated.img"));
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Corrupt_extent_header_fails_when_the_file_is_read()
    {
        using var fs = Open("broken-extent.img");
        Assert.Equal(["kata-agent"], fs.ListDirectory("/usr/bin"));
        var error = Assert.Throws<ImageFormatException>(() =>
        {
            using Stream content = fs.OpenFile("/usr/bin/kata-agent");
            content.ReadByte();
        });
        Assert.Contains("extent header magic", error.Message);
    }

    [Fact]
    public void Corrupt_directory_record_length_is_rejected()
    {
        using var fs = Open("broken-dirent.img");
        var error = Assert.Throws<ImageFormatException>(() => fs.ListDirectory("/etc"));
        Assert.Contains("record length 0", error.Message);
        Assert.NotNull(error.Offset);
    }

    private static Ext4FileSystem Open(string name) =>
        Ext4FileSystemTests.OpenImage(TestData.Generated("ext4", name));
}
