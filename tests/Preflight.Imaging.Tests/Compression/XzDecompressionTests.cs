using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Preflight.Formats.Compression;

namespace Preflight.Imaging.Tests.Compression;

/// <summary>
/// The liblzma-backed decoder against the managed one and against the real xz, on every .xz fixture the
/// repository builds, and on damaged, concatenated and over-demanding input.
/// </summary>
public sealed class XzDecompressionTests
{
    [Fact]
    public void The_factory_picks_liblzma_on_this_machine()
    {
        // liblzma.so.5 is on every Debian/Ubuntu (dpkg) and rpm (xz-libs) host, so also here.
        Assert.Equal(XzDecoder.Native, XzDecompression.Preferred);
        using Stream xz = XzDecompression.Open(new MemoryStream(XzTool.Compress("x"u8.ToArray())), leaveOpen: false);
        Assert.IsType<NativeXzStream>(xz);
    }

    [Fact]
    public void The_managed_decoder_can_be_forced()
    {
        using Stream xz = XzDecompression.Open(new MemoryStream(XzTool.Compress("x"u8.ToArray())), leaveOpen: false, XzDecoder.Managed);
        Assert.IsNotType<NativeXzStream>(xz);
        Assert.Equal("x"u8.ToArray(), ReadAll(xz));
    }

    [Fact]
    public void The_lzma_stream_mirror_has_the_header_layout()
    {
        // offsetof/sizeof from liblzma 5.4.1's lzma/base.h on x86-64 (gcc); the ABI of liblzma.so.5 keeps them.
        Assert.Equal(136, Marshal.SizeOf<LzmaStream>());
        Assert.Equal(0, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.NextIn)));
        Assert.Equal(8, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.AvailIn)));
        Assert.Equal(24, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.NextOut)));
        Assert.Equal(32, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.AvailOut)));
        Assert.Equal(56, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.Internal)));
        Assert.Equal(96, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.SeekPos)));
        Assert.Equal(128, (int)Marshal.OffsetOf<LzmaStream>(nameof(LzmaStream.ReservedEnum1)));
    }

    [Theory]
    [MemberData(nameof(XzTool.Fixtures), MemberType = typeof(XzTool))]
    public void Native_managed_and_xz_decode_every_fixture_identically(string fixture)
    {
        byte[] compressed = XzTool.Load(fixture);
        byte[] truth = XzTool.Decompress(compressed);

        byte[] native = XzTool.Decode(compressed, XzDecoder.Native);
        byte[] managed = XzTool.Decode(compressed, XzDecoder.Managed);

        Assert.True(truth.Length > 0);
        Assert.Equal(Convert.ToHexString(SHA256.HashData(truth)), Convert.ToHexString(SHA256.HashData(native)));
        Assert.Equal(Convert.ToHexString(SHA256.HashData(truth)), Convert.ToHexString(SHA256.HashData(managed)));
        Assert.Equal(truth.Length, native.Length);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(4096)]
    public void Small_and_odd_reads_give_the_same_bytes(int chunk)
    {
        byte[] compressed = XzTool.Load("initrd/initrd-xz.img");
        Assert.Equal(XzTool.Decompress(compressed), XzTool.Decode(compressed, XzDecoder.Native, chunk));
    }

    [Fact]
    public void Concatenated_streams_decode_the_first_stream_only_like_the_managed_decoder_dpkg_and_rpm()
    {
        byte[] first = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("first stream. ", 500)));
        byte[] second = Encoding.ASCII.GetBytes("second stream");
        byte[] both = [.. XzTool.Compress(first), .. XzTool.Compress(second, "-0")];

        // xz -dc (LZMA_CONCATENATED) reads on; --single-stream is what liblzma without that flag does.
        Assert.Equal([.. first, .. second], XzTool.Decompress(both));
        Assert.Equal(first, XzTool.Decompress(both, "--single-stream"));
        Assert.Equal(first, XzTool.Decode(both, XzDecoder.Native));
        Assert.Equal(first, XzTool.Decode(both, XzDecoder.Managed));
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(-1)]   // only the last byte (end of the stream footer) missing
    [InlineData(-13)]  // the footer and part of the index missing
    public void Truncated_input_is_invalid_data(double keep)
    {
        byte[] compressed = XzTool.Load("initrd/initrd-xz.img");
        int length = keep > 0 ? (int)(compressed.Length * keep) : compressed.Length + (int)keep;
        byte[] truncated = compressed[..length];
        Assert.NotEqual(0, XzTool.Run(truncated, "-dc").ExitCode);

        var error = Assert.Throws<InvalidDataException>(() => XzTool.Decode(truncated, XzDecoder.Native));
        Assert.Equal("xz: the compressed data ends early (LZMA_BUF_ERROR)", error.Message);
    }

    [Fact]
    public void Corrupt_data_is_invalid_data_and_stays_an_error()
    {
        byte[] compressed = XzTool.Load("initrd/initrd-xz.img");
        compressed[compressed.Length / 2] ^= 0x55;
        Assert.NotEqual(0, XzTool.Run(compressed, "-dc").ExitCode);

        using Stream xz = XzDecompression.Open(new MemoryStream(compressed), leaveOpen: false);
        var buffer = new byte[4096];
        var error = Assert.Throws<InvalidDataException>(() => { while (xz.Read(buffer) > 0) { } });
        Assert.Equal("xz: corrupt data (LZMA_DATA_ERROR)", error.Message);
        // liblzma cannot resume after an error; a further read must not look like a clean end of data.
        Assert.Throws<InvalidDataException>(() => xz.Read(buffer));
    }

    [Fact]
    public void Data_that_is_not_xz_is_a_format_error()
    {
        byte[] compressed = XzTool.Load("initrd/initrd-xz.img");
        compressed[1] = (byte)'8';

        var error = Assert.Throws<InvalidDataException>(() => XzTool.Decode(compressed, XzDecoder.Native));
        Assert.Equal("xz: not in the .xz format (LZMA_FORMAT_ERROR)", error.Message);
        Assert.Throws<InvalidDataException>(() => XzTool.Decode([], XzDecoder.Native));
    }

    [Fact]
    public void A_header_asking_for_a_huge_dictionary_hits_the_memory_limit()
    {
        // xz writes the requested dictionary into the block header even for tiny input, and only reserves
        // (never touches) the encoder's memory, so this is cheap to make; decoding it would need 513 MiB.
        byte[] huge = XzTool.Compress(Encoding.ASCII.GetBytes("tiny input, enormous dictionary"), "--lzma2=dict=512MiB");
        Assert.Equal(256UL << 20, XzDecompression.MemoryLimit);
        (int code, _, string xzErrors) = XzTool.Run(huge, "-dc", "--memlimit=256MiB");
        Assert.NotEqual(0, code);
        Assert.Contains("Memory usage limit reached", xzErrors);

        var error = Assert.Throws<InvalidDataException>(() => XzTool.Decode(huge, XzDecoder.Native));
        Assert.StartsWith("xz: decoding needs more memory than the limit of 256 MiB", error.Message);
        Assert.EndsWith("(LZMA_MEMLIMIT_ERROR)", error.Message);
    }

    [Fact]
    public void An_ordinary_fixture_fails_cleanly_under_a_tiny_limit()
    {
        // xz's default preset uses an 8 MiB dictionary: 1 MiB is not enough, and liblzma says so before allocating.
        byte[] compressed = XzTool.Load("initrd/initrd-xz.img");
        using Stream xz = XzDecompression.OpenNative(new MemoryStream(compressed), leaveOpen: false, memoryLimit: 1UL << 20);
        var error = Assert.Throws<InvalidDataException>(() => ReadAll(xz));
        Assert.Contains("limit of 1 MiB", error.Message);
    }

    [Theory]
    [InlineData(XzDecoder.Native, true)]
    [InlineData(XzDecoder.Native, false)]
    [InlineData(XzDecoder.Managed, true)]
    [InlineData(XzDecoder.Managed, false)]
    public void Dispose_closes_the_source_unless_left_open(XzDecoder decoder, bool leaveOpen)
    {
        var source = new MemoryStream(XzTool.Compress("payload"u8.ToArray()));
        Stream xz = XzDecompression.Open(source, leaveOpen, decoder);
        Assert.False(xz.CanSeek);
        Assert.False(xz.CanWrite);
        Assert.Throws<NotSupportedException>(() => xz.Length);
        Assert.Throws<NotSupportedException>(() => xz.Seek(0, SeekOrigin.Begin));
        Assert.Equal("payload"u8.ToArray(), ReadAll(xz));

        xz.Dispose();
        xz.Dispose();

        Assert.Equal(leaveOpen, source.CanRead);
    }

    [Fact]
    public void A_disposed_native_stream_refuses_reads()
    {
        Stream xz = XzDecompression.Open(new MemoryStream(XzTool.Compress("payload"u8.ToArray())), leaveOpen: false, XzDecoder.Native);
        xz.Dispose();
        Assert.False(xz.CanRead);
        Assert.Throws<ObjectDisposedException>(() => xz.ReadByte());
    }

    [Fact]
    public void Undisposed_decoders_are_released_by_the_finalizer()
    {
        // Nothing observable leaks into managed code; this makes the SafeHandle finalizer run lzma_end and free
        // the native memory for many abandoned decoders (a crash or double free would fail the run).
        byte[] compressed = XzTool.Compress("abandoned"u8.ToArray());
        for (int i = 0; i < 200; i++)
        {
            Abandon(compressed);
        }
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.Equal("abandoned"u8.ToArray(), XzTool.Decode(compressed, XzDecoder.Native));
    }

    private static void Abandon(byte[] compressed)
    {
        Stream xz = XzDecompression.Open(new MemoryStream(compressed), leaveOpen: false, XzDecoder.Native);
        xz.ReadByte();
    }

    private static byte[] ReadAll(Stream stream)
    {
        using var output = new MemoryStream();
        stream.CopyTo(output);
        return output.ToArray();
    }

    [Fact]
    public void The_managed_decoder_works_behind_the_decoder_guard()
    {
        // The guard's source wrapper once had no Position, which the managed decoder reads to align blocks: every
        // .deb on a host without liblzma failed with "a forward-only stream has no position" (exit 4).
        byte[] original = new byte[200_000];
        new Random(7).NextBytes(original.AsSpan(0, 100_000));
        byte[] compressed = XzTool.Compress(original);
        using Stream guarded = DecoderGuard.Open(ThirdPartyDecoder.Xz, new MemoryStream(compressed),
            source => XzDecompression.Open(source, leaveOpen: false, XzDecoder.Managed));
        using var decoded = new MemoryStream();
        guarded.CopyTo(decoded);
        Assert.Equal(original, decoded.ToArray());
    }
}
