namespace Preflight.Imaging;

/// <summary>
/// A read-only, seekable window [offset, offset + length) of another stream: a partition inside a disk image,
/// a filesystem inside a partition. Reads never leave the window. The base stream is not owned.
/// </summary>
public sealed class StreamSlice : Stream
{
    private readonly Stream _base;
    private readonly long _offset;
    private readonly long _length;
    private long _position;

    public StreamSlice(Stream baseStream, long offset, long length)
    {
        if (!baseStream.CanSeek || !baseStream.CanRead)
        {
            throw new ArgumentException("the base stream must be readable and seekable", nameof(baseStream));
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _base = baseStream;
        _offset = offset;
        _length = length;
    }

    public long BaseOffset => _offset;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long remaining = _length - _position;
        if (remaining <= 0)
        {
            return 0;
        }
        if (buffer.Length > remaining)
        {
            buffer = buffer[..(int)remaining];
        }
        _base.Position = _offset + _position;
        int read = _base.Read(buffer);
        _position += read;
        return read;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => _length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException("read-only");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("read-only");
}
