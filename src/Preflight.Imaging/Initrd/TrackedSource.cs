namespace Preflight.Imaging.Initrd;

/// <summary>
/// The compressed bytes of one run, handed to its decoder in chunks of at most <see cref="ChunkBytes"/>, counting
/// what was read: the decoder's stream ended inside the last chunk it asked for, which is where a later archive is
/// looked for (InitrdFileSystem.NextArchive). Small chunks keep that window small; decoders buffer internally anyway.
/// </summary>
internal sealed class TrackedSource(Stream compressed) : ForwardOnlyStream
{
    public const int ChunkBytes = 4096;

    /// <summary>Bytes handed to the decoder so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>The size of the last chunk that was not empty.</summary>
    public int LastReadBytes { get; private set; }

    public override int Read(Span<byte> buffer)
    {
        int read = compressed.Read(buffer[..Math.Min(buffer.Length, ChunkBytes)]);
        if (read > 0)
        {
            BytesRead += read;
            LastReadBytes = read;
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
