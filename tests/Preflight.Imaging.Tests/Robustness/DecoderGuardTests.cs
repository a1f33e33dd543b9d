using System.IO.Compression;
using Preflight.Formats.Compression;
using Preflight.Imaging.Initrd;
using SharpCompress.Compressors.BZip2;

namespace Preflight.Imaging.Tests.Robustness;

/// <summary>
/// Corrupt compressed data must arrive as InvalidDataException whatever decoder saw it, and nothing else may be
/// mistaken for corrupt data: a bug (here a NullReferenceException from the stream under the decoder) surfaces.
/// </summary>
public sealed class DecoderGuardTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-guard-").FullName;

    [Fact]
    public void Damaged_bzip2_is_corrupt_data_even_where_the_decoder_indexes_past_its_tables()
    {
        // A real bzip2 file, damaged here with fixed seeds: SharpCompress' decoder answers some of these with an
        // IndexOutOfRangeException (a Huffman table sends it past its arrays), which used to leave as "a bug".
        Tool.Shell(_directory, "seq 1 40000 | bzip2 -9 > data.bz2");
        byte[] original = File.ReadAllBytes(Path.Combine(_directory, "data.bz2"));
        var random = new Random(1);
        int fromIndexing = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] damaged = (byte[])original.Clone();
            for (int flips = 0; flips < 1 + i % 4; flips++)
            {
                damaged[random.Next(Math.Min(damaged.Length, i % 2 == 0 ? 64 : damaged.Length))] ^= (byte)(1 << random.Next(8));
            }
            try
            {
                using Stream decoded = DecoderGuard.Open(ThirdPartyDecoder.Bzip2, new MemoryStream(damaged),
                    source => BZip2Stream.Create(source, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true));
                decoded.CopyTo(Stream.Null);
            }
            catch (InvalidDataException e)
            {
                fromIndexing += e.InnerException is IndexOutOfRangeException ? 1 : 0;
            }
        }
        Assert.True(fromIndexing > 0, "no damaged file reached the decoder's IndexOutOfRangeException; the sweep no longer tests it");
    }

    [Fact]
    public void A_bug_under_the_decoder_is_not_reported_as_a_corrupt_initrd()
    {
        // A real gzip'd cpio archive, served by a stream that fails like a bug of ours would (crafted: no tool
        // makes a failing stream). The initrd reader used to call every such failure "corrupt input".
        Tool.Shell(_directory, "mkdir -p root/usr/bin && seq 1 20000 > root/usr/bin/kata-agent && (cd root && find . | cpio -o -H newc 2>/dev/null) | gzip -9 > initrd.img");
        byte[] initrd = File.ReadAllBytes(Path.Combine(_directory, "initrd.img"));
        using var buggy = new FailingAfter(initrd, failAt: initrd.Length / 2);

        Assert.Throws<NullReferenceException>(() => InitrdFileSystem.Open(buggy, "initrd.img"));
    }

    [Fact]
    public void Corrupt_gzip_in_an_initrd_is_still_an_image_format_error()
    {
        Tool.Shell(_directory, "mkdir -p root/usr/bin && seq 1 20000 > root/usr/bin/kata-agent && (cd root && find . | cpio -o -H newc 2>/dev/null) | gzip -9 > initrd.img");
        byte[] initrd = File.ReadAllBytes(Path.Combine(_directory, "initrd.img"));
        initrd[initrd.Length / 2] ^= 0xFF;

        var error = Assert.Throws<ImageFormatException>(() => InitrdFileSystem.Open(new MemoryStream(initrd), "initrd.img"));
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    /// <summary>A seekable stream over bytes that throws NullReferenceException once a read reaches failAt.</summary>
    private sealed class FailingAfter(byte[] data, int failAt) : MemoryStream(data, writable: false)
    {
        // MemoryStream's span Read comes here for a subclass, so this one override sees every read.
        public override int Read(byte[] buffer, int offset, int count)
        {
            if (Position + count > failAt && Position > 16)
            {
                throw new NullReferenceException("a bug in the stream under the decoder");
            }
            return base.Read(buffer, offset, count);
        }
    }
}
