namespace Preflight.Formats.Streams;

/// <summary>
/// The Stream plumbing every read-only, seekable view in this layer shares (a file's content inside a filesystem,
/// a partition inside a disk): position and seeking, refusing writes, and the read loop. A subclass only says how
/// to fill a buffer from one position; what it cannot serve in one go the loop asks for again.
/// </summary>
public abstract class ReadOnlyContentStream : Stream
{
    private long _position;

    protected ReadOnlyContentStream(long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        Length = length;
    }

    public sealed override bool CanRead => true;

    public sealed override bool CanSeek => true;

    public sealed override bool CanWrite => false;

    public sealed override long Length { get; }

    public sealed override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    /// <summary>
    /// Fills the start of <paramref name="buffer"/> (never longer than what is left before Length) with the bytes at
    /// <paramref name="position"/>; returns how many it filled, 0 only when the data underneath ends early.
    /// </summary>
    protected abstract int ReadAt(long position, Span<byte> buffer);

    public sealed override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public sealed override int Read(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length && _position < Length)
        {
            Span<byte> rest = buffer[total..];
            long remaining = Length - _position;
            if (rest.Length > remaining)
            {
                rest = rest[..(int)remaining];
            }
            int read = ReadAt(_position, rest);
            if (read <= 0)
            {
                break;
            }
            _position += read;
            total += read;
        }
        return total;
    }

    public sealed override long Seek(long offset, SeekOrigin origin)
    {
        long target = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        Position = target;
        return target;
    }

    public sealed override void Flush()
    {
    }

    public sealed override void SetLength(long value) => throw new NotSupportedException("read-only");

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("read-only");
}
