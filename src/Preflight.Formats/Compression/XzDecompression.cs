using SharpCompress.Compressors.Xz;

using Preflight.Formats.Streams;

namespace Preflight.Formats.Compression;

/// <summary>Which .xz decoder a stream from <see cref="XzDecompression"/> uses.</summary>
public enum XzDecoder
{
    /// <summary>The system's liblzma.so.5, through <c>NativeXzStream</c>.</summary>
    Native,

    /// <summary>SharpCompress's managed XZStream: slower, but needs nothing from the host.</summary>
    Managed,
}

/// <summary>
/// The one place .xz data is decoded (deb members and rpm payloads in Host, xz initrds here). It uses the
/// system's liblzma when it can be loaded and SharpCompress's managed decoder otherwise; both decode the first
/// .xz stream only and report corrupt data as InvalidDataException or a SharpCompress exception, which the
/// Host and Imaging layers turn into their own exception type.
/// </summary>
public static class XzDecompression
{
    /// <summary>
    /// The most memory liblzma may use for one decoder (almost all of it the LZMA2 dictionary). xz -9 needs
    /// 65 MiB; a header asking for more than this is refused with LZMA_MEMLIMIT_ERROR instead of allocating it.
    /// </summary>
    public const ulong MemoryLimit = 256UL << 20;

    /// <summary>The decoder <see cref="Open(Stream, bool)"/> uses in this process.</summary>
    public static XzDecoder Preferred => LibLzma.Instance is null ? XzDecoder.Managed : XzDecoder.Native;

    /// <summary>A decoding, read-only, non-seekable stream over <paramref name="compressed"/>, native when possible.</summary>
    public static Stream Open(Stream compressed, bool leaveOpen) => Open(compressed, leaveOpen, Preferred);

    /// <summary>A decoding stream using the given decoder (tests compare both); Native throws when liblzma is missing.</summary>
    public static Stream Open(Stream compressed, bool leaveOpen, XzDecoder decoder) => decoder switch
    {
        XzDecoder.Native => OpenNative(compressed, leaveOpen, MemoryLimit),
        XzDecoder.Managed => OpenManaged(compressed, leaveOpen),
        _ => throw new ArgumentOutOfRangeException(nameof(decoder)),
    };

    /// <summary>The native decoder with an explicit memory limit (tests use a small one).</summary>
    internal static Stream OpenNative(Stream compressed, bool leaveOpen, ulong memoryLimit)
    {
        LibLzma library = LibLzma.Instance
            ?? throw new InvalidOperationException($"{LibLzma.LibraryName} could not be loaded: use the managed xz decoder");
        return new NativeXzStream(library, compressed, leaveOpen, memoryLimit);
    }

    private static Stream OpenManaged(Stream compressed, bool leaveOpen)
    {
        // SharpCompress's XZStream never disposes the stream it reads, so owning it takes a wrapper.
        var xz = new XZStream(compressed);
        return leaveOpen ? xz : new OwningStream(xz, compressed);
    }
}
