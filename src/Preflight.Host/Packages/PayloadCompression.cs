using System.IO.Compression;
using SharpCompress.Compressors.BZip2;
using Preflight.Imaging.Compression;

namespace Preflight.Host.Packages;

/// <summary>The compressions a deb member or an rpm payload may use, and a decompressing reader for each.</summary>
internal static class PayloadCompression
{
    public const string None = "none";
    public const string Gzip = "gzip";
    public const string Xz = "xz";
    public const string Zstd = "zstd";
    public const string Bzip2 = "bzip2";

    /// <summary>The compression of a deb member from its name: "data.tar.xz" → xz, "data.tar" → none.</summary>
    public static string? FromDebMemberName(string name, string stem)
    {
        if (name == stem)
        {
            return None;
        }
        return name[stem.Length..] switch
        {
            ".gz" => Gzip,
            ".xz" => Xz,
            ".zst" => Zstd,
            ".bz2" => Bzip2,
            _ => null,
        };
    }

    /// <summary>
    /// A decompressing, forward-only stream over <paramref name="raw"/> (which it then owns), stopped with a
    /// PackageFormatException once it has produced more than <paramref name="member"/>'s
    /// <paramref name="compressedBytes"/> may expand to (<see cref="PackageLimits.MaxExpandedBytes"/>).
    /// </summary>
    public static Stream Open(Stream raw, string compression, string file, string member, long compressedBytes) =>
        new ExpansionLimitStream(OpenDecoder(raw, compression, file), compressedBytes, file, member);

    private static Stream OpenDecoder(Stream raw, string compression, string file)
    {
        return compression switch
        {
            None => raw,
            // Each decoder's own reports of corrupt data arrive as InvalidDataException (DecoderGuard).
            Gzip => DecoderGuard.Open(ThirdPartyDecoder.Gzip, raw, source => new GZipStream(source, CompressionMode.Decompress, leaveOpen: false)),
            // The system's liblzma when it loads (much faster on a big data.tar.xz), else the managed decoder.
            Xz => DecoderGuard.Open(ThirdPartyDecoder.Xz, raw, source => XzDecompression.Open(source, leaveOpen: false)),
            Zstd => DecoderGuard.Open(ThirdPartyDecoder.Zstd, raw, source => new ZstdSharp.DecompressionStream(source, leaveOpen: false)),
            Bzip2 => DecoderGuard.Open(ThirdPartyDecoder.Bzip2, raw, source => BZip2Stream.Create(source, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true)),
            _ => throw new PackageFormatException(file, null, $"unsupported compression '{compression}'"),
        };
    }
}
