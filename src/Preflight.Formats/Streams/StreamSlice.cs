namespace Preflight.Formats.Streams;

/// <summary>
/// A read-only, seekable window [offset, offset + length) of another stream: a partition inside a disk image,
/// a filesystem inside a partition. Reads never leave the window. The base stream is not owned.
/// </summary>
public sealed class StreamSlice : ReadOnlyContentStream
{
    private readonly Stream _base;
    private readonly long _offset;

    public StreamSlice(Stream baseStream, long offset, long length)
        : base(length)
    {
        if (!baseStream.CanSeek || !baseStream.CanRead)
        {
            throw new ArgumentException("the base stream must be readable and seekable", nameof(baseStream));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        _base = baseStream;
        _offset = offset;
    }

    public long BaseOffset => _offset;

    protected override int ReadAt(long position, Span<byte> buffer)
    {
        _base.Position = _offset + position;
        return _base.Read(buffer);
    }
}
