using SharpCompress.Common;

using Preflight.Formats.Streams;

namespace Preflight.Formats.Compression;

/// <summary>
/// The decoders this project uses from others, each with the exception types it raises on corrupt input. They
/// are listed exactly (from the libraries' code and from damaging real compressed files made by gzip, zstd, xz,
/// lz4 and bzip2) so that anything else, a NullReferenceException in our own code say, still surfaces as a bug.
/// </summary>
public enum ThirdPartyDecoder
{
    /// <summary>System.IO.Compression's GZipStream: InvalidDataException.</summary>
    Gzip,

    /// <summary>ZstdSharp's DecompressionStream: ZstdException, and EndOfStreamException when a frame is cut short.</summary>
    Zstd,

    /// <summary>Our liblzma binding reports InvalidDataException; SharpCompress's XZStream SharpCompressException subtypes (DataErrorException).</summary>
    Xz,

    /// <summary>
    /// K4os' LZ4 frame decoder: InvalidDataException and EndOfStreamException, NotImplementedException for a flag it
    /// does not know, and (from its block decoder on a damaged block) InvalidOperationException and
    /// ArgumentOutOfRangeException.
    /// </summary>
    Lz4Frame,

    /// <summary>
    /// SharpCompress' bzip2 decoder: SharpCompressException subtypes, and IndexOutOfRangeException when a damaged
    /// Huffman table sends it past its arrays (seen on bit-flipped bzip2 files).
    /// </summary>
    Bzip2,
}

/// <summary>
/// Wraps a third-party decoder so every way it reports corrupt input arrives as one InvalidDataException naming
/// the format. A failure of the compressed source itself (our stream over the file) is never converted: the
/// source is wrapped too and its exceptions pass through untouched.
/// </summary>
public sealed class DecoderGuard : ForwardOnlyStream
{
    private readonly ThirdPartyDecoder _decoder;
    private readonly Stream _decoded;
    private readonly WatchedSource _source;

    private DecoderGuard(ThirdPartyDecoder decoder, Stream decoded, WatchedSource source)
    {
        _decoder = decoder;
        _decoded = decoded;
        _source = source;
    }

    /// <summary>Opens <paramref name="open"/> over <paramref name="compressed"/> (some decoders read a header at once).</summary>
    public static Stream Open(ThirdPartyDecoder decoder, Stream compressed, Func<Stream, Stream> open)
    {
        var source = new WatchedSource(compressed);
        try
        {
            return new DecoderGuard(decoder, open(source), source);
        }
        catch (Exception e) when (!source.Failed && ReportsCorruptData(decoder, e))
        {
            throw Corrupt(decoder, e);
        }
    }

    /// <summary>The compressed source, for a caller that needs to know how far the decoder has read into it.</summary>
    public long SourceBytesRead => _source.BytesRead;

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return _decoded.Read(buffer);
        }
        catch (Exception e) when (!_source.Failed && ReportsCorruptData(_decoder, e))
        {
            throw Corrupt(_decoder, e);
        }
    }

    private static InvalidDataException Corrupt(ThirdPartyDecoder decoder, Exception e) =>
        e as InvalidDataException ?? new InvalidDataException($"{decoder.ToString().ToLowerInvariant()}: corrupt data ({e.Message})", e);

    private static bool ReportsCorruptData(ThirdPartyDecoder decoder, Exception e) => decoder switch
    {
        ThirdPartyDecoder.Gzip => e is InvalidDataException,
        ThirdPartyDecoder.Zstd => e is ZstdSharp.ZstdException or EndOfStreamException,
        ThirdPartyDecoder.Xz => e is InvalidDataException or EndOfStreamException or SharpCompressException,
        ThirdPartyDecoder.Lz4Frame => e is InvalidDataException or EndOfStreamException or NotImplementedException
            or InvalidOperationException or ArgumentOutOfRangeException,
        ThirdPartyDecoder.Bzip2 => e is SharpCompressException or EndOfStreamException or IndexOutOfRangeException,
        _ => false,
    };

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _decoded.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>
    /// Passes reads through, remembering whether the source itself failed and how much it gave. It never disposes
    /// the source: some decoders dispose what they read (SharpCompress' bzip2) and others do not, so ownership is
    /// the caller's alone (<see cref="Decompression.Open"/>'s leaveOpen).
    /// </summary>
    private sealed class WatchedSource(Stream inner) : ForwardOnlyStream
    {
        public bool Failed { get; private set; }

        public long BytesRead { get; private set; }

        /// <summary>
        /// How far into the compressed data the decoder has read. SharpCompress's xz decoder asks its source for
        /// Position to align blocks; the source it would otherwise see (a package member) starts at 0 too.
        /// </summary>
        public override long Position
        {
            get => BytesRead;
            set => throw new NotSupportedException("a forward-only stream cannot be repositioned");
        }

        public override int Read(Span<byte> buffer)
        {
            try
            {
                int read = inner.Read(buffer);
                BytesRead += read;
                return read;
            }
            catch
            {
                // Rethrown untouched: the guard must not convert a failure of our own source.
                Failed = true;
                throw;
            }
        }
    }
}
