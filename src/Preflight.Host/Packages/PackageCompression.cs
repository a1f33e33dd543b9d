using Preflight.Formats.Compression;

namespace Preflight.Host.Packages;

/// <summary>
/// Which compression a deb member or an rpm payload uses, from what each package format says of it (a member's
/// name, rpm's PAYLOADCOMPRESSOR tag), and its decoder (Preflight.Formats' one switch) behind the expansion limit.
/// </summary>
internal static class PackageCompression
{
    /// <summary>The compression of a deb member from its name: "data.tar.xz" → xz, "data.tar" → none.</summary>
    public static CompressionFormat? FromDebMemberName(string name, string stem)
    {
        if (name == stem)
        {
            return CompressionFormat.None;
        }
        return name[stem.Length..] switch
        {
            ".gz" => CompressionFormat.Gzip,
            ".xz" => CompressionFormat.Xz,
            ".zst" => CompressionFormat.Zstd,
            ".bz2" => CompressionFormat.Bzip2,
            _ => null,
        };
    }

    /// <summary>The compression rpm's PAYLOADCOMPRESSOR names; null for one no decoder here reads (lzma, ...).</summary>
    public static CompressionFormat? FromRpmCompressor(string compressor) => compressor switch
    {
        "gzip" => CompressionFormat.Gzip,
        "xz" => CompressionFormat.Xz,
        "zstd" => CompressionFormat.Zstd,
        "bzip2" => CompressionFormat.Bzip2,
        _ => null,
    };

    /// <summary>
    /// A decompressing, forward-only stream over <paramref name="raw"/> (which it then owns), stopped with a
    /// PackageFormatException once it has produced more than <paramref name="member"/>'s
    /// <paramref name="compressedBytes"/> may expand to (<see cref="PackageLimits.MaxExpandedBytes"/>).
    /// </summary>
    public static Stream Open(Stream raw, CompressionFormat compression, string file, string member, long compressedBytes) =>
        new ExpansionLimitStream(Decompression.Open(compression, raw, leaveOpen: false), compressedBytes, file, member);
}
