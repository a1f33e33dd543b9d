namespace Preflight.Formats.Streams;

/// <summary>
/// A decoder plus the compressed stream it reads, disposed together: for decoders that never dispose their source,
/// when the caller hands the source over (leaveOpen: false).
/// </summary>
internal sealed class OwningStream(Stream decoded, Stream compressed) : ForwardOnlyStream
{
    public override bool CanRead => decoded.CanRead;

    public override int Read(Span<byte> buffer) => decoded.Read(buffer);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decoded.Dispose();
            compressed.Dispose();
        }
        base.Dispose(disposing);
    }
}
