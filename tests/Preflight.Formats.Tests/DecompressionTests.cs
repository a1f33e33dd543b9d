using Preflight.Formats.Compression;

namespace Preflight.Formats.Tests;

/// <summary>
/// The one compression switch initrds and packages share: every format the real tools write is recognised by its
/// magic and decodes to the original bytes, and ownership of the compressed stream follows leaveOpen.
/// </summary>
public sealed class DecompressionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-decompression-").FullName;

    public static TheoryData<string, CompressionFormat> Tools => new()
    {
        { "gzip -9 -c", CompressionFormat.Gzip },
        { "zstd -q -c", CompressionFormat.Zstd },
        { "xz -c --check=crc32", CompressionFormat.Xz },
        { "lz4 -q -l -c", CompressionFormat.Lz4Legacy },
        { "lz4 -q -c", CompressionFormat.Lz4Frame },
        { "bzip2 -9 -c", CompressionFormat.Bzip2 },
    };

    [Theory]
    [MemberData(nameof(Tools))]
    public void Each_tool_output_is_detected_and_decodes_to_the_original(string command, CompressionFormat expected)
    {
        Tool.Shell(_directory, $"seq 1 50000 > plain && {command} plain > packed");
        byte[] packed = File.ReadAllBytes(Path.Combine(_directory, "packed"));

        Assert.Equal(expected, Decompression.Detect(packed.AsSpan(0, Decompression.MagicLength)));
        using Stream decoded = Decompression.Open(expected, new MemoryStream(packed, writable: false), leaveOpen: false);
        var output = new MemoryStream();
        decoded.CopyTo(output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_directory, "plain")), output.ToArray());
    }

    [Theory]
    [MemberData(nameof(Tools))]
    public void The_compressed_stream_is_disposed_exactly_when_it_was_handed_over(string command, CompressionFormat format)
    {
        Tool.Shell(_directory, $"seq 1 1000 | {command} > packed");
        byte[] packed = File.ReadAllBytes(Path.Combine(_directory, "packed"));
        foreach (bool leaveOpen in new[] { true, false })
        {
            var source = new DisposalWatch(packed);
            using (Stream decoded = Decompression.Open(format, source, leaveOpen))
            {
                decoded.CopyTo(Stream.Null);
            }
            Assert.Equal(!leaveOpen, source.Disposed);
        }
    }

    [Fact]
    public void Plain_data_a_cpio_header_and_formats_no_decoder_reads_are_not_taken_for_a_compression()
    {
        Tool.Shell(_directory, "mkdir -p t && : > t/x && (cd t && echo x | cpio -o -H newc 2>/dev/null) > archive.cpio && seq 1 100 | lzma -c > packed.lzma");
        byte[] cpio = File.ReadAllBytes(Path.Combine(_directory, "archive.cpio"));
        byte[] lzma = File.ReadAllBytes(Path.Combine(_directory, "packed.lzma"));

        Assert.Null(Decompression.Detect(cpio.AsSpan(0, Decompression.MagicLength)));
        Assert.Null(Decompression.Detect(lzma.AsSpan(0, Decompression.MagicLength)));
        Assert.Equal("lzma", Decompression.DetectUnsupported(lzma));
        Assert.Null(Decompression.DetectUnsupported(cpio));
    }

    [Fact]
    public void Corrupt_data_is_invalid_data_whichever_decoder_reads_it()
    {
        Tool.Shell(_directory, "seq 1 50000 | zstd -q -c > packed.zst");
        byte[] packed = File.ReadAllBytes(Path.Combine(_directory, "packed.zst"));
        Array.Clear(packed, packed.Length / 2, 64);

        using Stream decoded = Decompression.Open(CompressionFormat.Zstd, new MemoryStream(packed, writable: false), leaveOpen: false);
        Assert.Throws<InvalidDataException>(() => decoded.CopyTo(Stream.Null));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A read-only stream over bytes that remembers being disposed.</summary>
    private sealed class DisposalWatch(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public bool Disposed { get; private set; }

        protected override void Dispose(bool disposing)
        {
            Disposed = true;
            base.Dispose(disposing);
        }
    }
}
