using Preflight.Formats.Streams;

namespace Preflight.Imaging.Initrd;

/// <summary>
/// The compressed bytes of one run, handed to its decoder in chunks of at most <see cref="ChunkBytes"/>, counting
/// what was read: a gzip or xz stream ended inside the last chunks the decoder asked for, which is where its
/// trailer is looked for (CompressedRunEnd). Small chunks keep that window small; decoders buffer internally anyway.
/// </summary>
internal sealed class TrackedSource(Stream compressed) : ForwardOnlyStream
{
    public const int ChunkBytes = 4096;

    /// <summary>Bytes handed to the decoder so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The sizes of the last two chunks that were not empty, together.</summary>
    public int LastTwoReadBytes => _last + _beforeLast;

    private int _last;
    private int _beforeLast;

    public override int Read(Span<byte> buffer)
    {
        int read = compressed.Read(buffer[..Math.Min(buffer.Length, ChunkBytes)]);
        if (read > 0)
        {
            BytesRead += read;
            _beforeLast = _last;
            _last = read;
        }
        return read;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            compressed.Dispose();
        }
        base.Dispose(disposing);
    }
}
