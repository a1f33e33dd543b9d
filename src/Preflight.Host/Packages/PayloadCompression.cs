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

    /// <summary>A decompressing, forward-only stream over <paramref name="raw"/> (which it then owns).</summary>
    public static Stream Open(Stream raw, string compression, string file)
    {
        return compression switch
        {
            None => raw,
            Gzip => new GZipStream(raw, CompressionMode.Decompress, leaveOpen: false),
            // The system's liblzma when it loads (much faster on a big data.tar.xz), else the managed decoder.
            Xz => XzDecompression.Open(raw, leaveOpen: false),
            Zstd => new ZstdSharp.DecompressionStream(raw, leaveOpen: false),
            Bzip2 => BZip2Stream.Create(raw, SharpCompress.Compressors.CompressionMode.Decompress, decompressConcatenated: true),
            _ => throw new PackageFormatException(file, null, $"unsupported compression '{compression}'"),
        };
    }
}
