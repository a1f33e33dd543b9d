using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Preflight.Imaging.Compression;

namespace Preflight.Imaging.Initrd;

/// <summary>How a piece of an initrd is stored. The kernel recognises the same magics in init/initramfs.c.</summary>
public enum InitrdCompression
{
    None,
    Gzip,
    Zstd,
    Xz,
    Lz4Legacy,
    Lz4Frame,
}

internal static class InitrdCompressionFormat
{
    public const int MagicLength = 6;

    /// <summary>The compression named by the first bytes, null for anything else (including a cpio header).</summary>
    public static InitrdCompression? Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 2 && head[0] == 0x1F && (head[1] == 0x8B || head[1] == 0x9E))
        {
            return InitrdCompression.Gzip;
        }
        if (head.Length < 4)
        {
            return null;
        }
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
        return magic switch
        {
            0xFD2FB528 => InitrdCompression.Zstd,
            0x184C2102 => InitrdCompression.Lz4Legacy,
            0x184D2204 => InitrdCompression.Lz4Frame,
            _ when head.Length >= 6 && head[..6].SequenceEqual((ReadOnlySpan<byte>)[0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00]) => InitrdCompression.Xz,
            _ => null,
        };
    }

    /// <summary>Formats the kernel can unpack that this reader does not; named so the error says which.</summary>
    public static string? DetectUnsupported(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 3 && head[..3].SequenceEqual("BZh"u8))
        {
            return "bzip2";
        }
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
    /// A decompressing stream over the compressed bytes; the caller disposes it. Corrupt data is reported as
    /// InvalidDataException whichever decoder found it (<see cref="DecoderGuard"/>).
    /// </summary>
    public static Stream Open(InitrdCompression compression, Stream compressed) => compression switch
    {
        // GZipStream reads concatenated gzip members one after another, as the kernel does.
        InitrdCompression.Gzip => DecoderGuard.Open(ThirdPartyDecoder.Gzip, compressed, source => new GZipStream(source, CompressionMode.Decompress, leaveOpen: true)),
        InitrdCompression.Zstd => DecoderGuard.Open(ThirdPartyDecoder.Zstd, compressed, source => new ZstdSharp.DecompressionStream(source, leaveOpen: true)),
        // The system's liblzma when it loads, else the managed decoder; either decodes the first .xz stream only.
        InitrdCompression.Xz => DecoderGuard.Open(ThirdPartyDecoder.Xz, compressed, source => XzDecompression.Open(source, leaveOpen: true)),
        // Our own decoder: it throws InvalidDataException itself, and anything else is a bug to see.
        InitrdCompression.Lz4Legacy => new Lz4LegacyStream(compressed),
        InitrdCompression.Lz4Frame => DecoderGuard.Open(ThirdPartyDecoder.Lz4Frame, compressed, source => LZ4Stream.Decode(source, 0, leaveOpen: true)),
        _ => compressed,
    };

    public static string Name(InitrdCompression compression) => compression switch
    {
        InitrdCompression.Lz4Legacy => "lz4 (legacy frame)",
        InitrdCompression.Lz4Frame => "lz4 (frame)",
        _ => compression.ToString().ToLowerInvariant(),
    };
}
