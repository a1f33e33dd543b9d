using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Preflight.Formats.Streams;
using SharpCompress.Compressors.BZip2;

namespace Preflight.Formats.Compression;

/// <summary>
/// How a stretch of bytes is compressed: a piece of an initrd, a .deb member, an .rpm payload. Which of these a
/// container may use is the container's business (the kernel unpacks no bzip2 initrd we read, rpm has no lz4).
/// </summary>
public enum CompressionFormat
{
    None,
    Gzip,
    Zstd,
    Xz,
    Lz4Legacy,
    Lz4Frame,
    Bzip2,
}

/// <summary>
/// The one switch from a compression format to its magic, its decoder and its name. The magics are the ones the
/// kernel recognises in init/initramfs.c (gzip also in its old 1F 9E form).
/// </summary>
public static class Decompression
{
    /// <summary>Bytes <see cref="Detect"/> and <see cref="DetectUnsupported"/> need to decide.</summary>
    public const int MagicLength = 6;

    /// <summary>The compression named by the first bytes, null for anything else (including a cpio header).</summary>
    public static CompressionFormat? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1F && (head[1] == 0x8B || head[1] == 0x9E))
        {
            return CompressionFormat.Gzip;
        }
        if (head.Length >= 3 && head[..3].SequenceEqual("BZh"u8))
        {
            return CompressionFormat.Bzip2;
        }
        if (head.Length < 4)
        {
            return null;
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        return magic switch
        {
            0xFD2FB528 => CompressionFormat.Zstd,
            0x184C2102 => CompressionFormat.Lz4Legacy,
            0x184D2204 => CompressionFormat.Lz4Frame,
            _ when head.Length >= 6 && head[..6].SequenceEqual((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]) => CompressionFormat.Xz,
            _ => null,
        };
    }

    /// <summary>Formats the kernel can unpack that no decoder here reads; named so the error says which.</summary>
    public static string? DetectUnsupported(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[0] == 0x5D && head[1] == 0x00 && head[2] == 0x00)
        {
            return "lzma";
        }
        if (head.Length >= 4 && head[..4].SequenceEqual((ReadOnlySpan<byte>)[0x89, (byte)'L', (byte)'Z', (byte)'O']))
        {
            return "lzo";
        }
        return null;
    }

    /// <summary>
    /// A decompressing, forward-only stream over the compressed bytes, which it disposes too unless
    /// <paramref name="leaveOpen"/>. Corrupt data is reported as InvalidDataException whichever decoder found it
    /// (<see cref="DecoderGuard"/>); the caller bounds how much it reads.
    /// </summary>
    public static Stream Open(CompressionFormat compression, Stream compressed, bool leaveOpen)
    {
        Stream decoded = compression switch
        {
            CompressionFormat.None => compressed,
            // GZipStream reads concatenated gzip members one after another, as the kernel does.
            CompressionFormat.Gzip => DecoderGuard.Open(ThirdPartyDecoder.Gzip, compressed, source => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true)),
            CompressionFormat.Zstd => DecoderGuard.Open(ThirdPartyDecoder.Zstd, compressed, source => new ZstdSharp.DecompressionStream(source, leaveOpen: true)),
            // The system's liblzma when it loads (much faster on a big data.tar.xz), else the managed decoder;
            // either decodes the first .xz stream only.
            CompressionFormat.Xz => DecoderGuard.Open(ThirdPartyDecoder.Xz, compressed, source => XzDecompression.Open(source, leaveOpen: true)),
            // Our own decoder: it throws InvalidDataException itself, and anything else is a bug to see.
            CompressionFormat.Lz4Legacy => new Lz4LegacyStream(compressed),
            CompressionFormat.Lz4Frame => DecoderGuard.Open(ThirdPartyDecoder.Lz4Frame, compressed, source => LZ4Stream.Decode(source, 0, leaveOpen: true)),
            CompressionFormat.Bzip2 => DecoderGuard.Open(ThirdPartyDecoder.Bzip2, compressed, source => BZip2Stream.Create(source, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true)),
            _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression format"),
        };
        // Every decoder above reads its source without owning it; ownership, when handed over, is one wrapper.
        return leaveOpen || compression == CompressionFormat.None ? decoded : new OwningStream(decoded, compressed);
    }

    /// <summary>The name the reports and messages print: "gzip", "xz", "lz4 (legacy frame)", ...</summary>
    public static string Name(CompressionFormat compression) => compression switch
    {
        CompressionFormat.Lz4Legacy => "lz4 (legacy frame)",
        CompressionFormat.Lz4Frame => "lz4 (frame)",
        _ => compression.ToString().ToLowerInvariant(),
    };
}
