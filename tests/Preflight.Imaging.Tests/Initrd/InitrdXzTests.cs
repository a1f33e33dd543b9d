using Preflight.Imaging.Agent;
using Preflight.Formats.Compression;
using Preflight.Imaging.Initrd;
using Preflight.Imaging.Tests.Compression;

namespace Preflight.Imaging.Tests.Initrd;

/// <summary>xz initrds through the real entry point, now decoded by liblzma: liblzma's errors become ImageFormatException.</summary>
public sealed class InitrdXzTests
{
    private const string Name = "initrd-xz.img";

    [Fact]
    public void The_xz_initrd_is_read_through_liblzma()
    {
        Assert.Equal(XzDecoder.Native, XzDecompression.Preferred);
        using InitrdFileSystem fs = Open(File.ReadAllBytes(TestData.Generated("initrd", Name)));
        using Stream agent = fs.OpenFile("/usr/bin/kata-agent");
        Assert.Equal(File.ReadAllText(TestData.Generated("initrd", "agent.sha256")).Trim(), AgentLocator.Sha256Hex(agent));
    }

    [Fact]
    public void Corrupt_xz_data_is_an_image_format_error_naming_the_liblzma_status()
    {
        byte[] image = File.ReadAllBytes(TestData.Generated("initrd", Name));
        image[image.Length / 2] ^= 0x55;

        var error = Assert.Throws<ImageFormatException>(() => Open(image).Dispose());
        Assert.Equal(Name, error.File);
        Assert.Equal(0, error.Offset);
        Assert.Contains("in the xz data starting there: xz: corrupt data (LZMA_DATA_ERROR)", error.Message);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void A_truncated_xz_initrd_is_an_image_format_error()
    {
        byte[] image = File.ReadAllBytes(TestData.Generated("initrd", Name));

        var error = Assert.Throws<ImageFormatException>(() => Open(image[..(image.Length * 2 / 3)]).Dispose());
        Assert.Contains("(LZMA_BUF_ERROR)", error.Message);
    }

    [Fact]
    public void An_xz_initrd_demanding_a_huge_dictionary_is_refused_not_allocated()
    {
        byte[] cpio = File.ReadAllBytes(TestData.Generated("initrd", "initrd-none.img"));
        byte[] image = XzTool.Compress(cpio, "--check=crc32", "--lzma2=dict=512MiB");

        var error = Assert.Throws<ImageFormatException>(() => Open(image).Dispose());
        Assert.Contains("(LZMA_MEMLIMIT_ERROR)", error.Message);
    }

    private static InitrdFileSystem Open(byte[] image) => InitrdFileSystem.Open(new MemoryStream(image, writable: false), Name);
}
