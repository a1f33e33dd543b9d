namespace Preflight.Formats.Streams;

/// <summary>
/// The Stream plumbing of a read-only stream that can only go forward (a decompressor, an archive member): a
/// subclass implements <see cref="Read(Span{byte})"/> and, when it owns something, Dispose. Length and Position
/// throw unless a subclass knows them.
/// </summary>
public abstract class ForwardOnlyStream : Stream
{
    public override bool CanRead => true;

    public sealed override bool CanSeek => false;

    public sealed override bool CanWrite => false;

    public override long Length => throw new NotSupportedException("a forward-only stream has no length");

    public override long Position
    {
        get => throw new NotSupportedException("a forward-only stream has no position");
        set => throw new NotSupportedException("a forward-only stream cannot be repositioned");
    }

    public abstract override int Read(Span<byte> buffer);

    public sealed override int Read(byte[] buffer, int offset, int count)
    {
        ValidateBufferArguments(buffer, offset, count);
        return Read(buffer.AsSpan(offset, count));
    }

    public override int ReadByte()
    {
        Span<byte> one = stackalloc byte[1];
        return Read(one) == 1 ? one[0] : -1;
    }

    public sealed override void Flush()
    {
    }

    public sealed override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("a forward-only stream cannot seek");

    public sealed override void SetLength(long value) => throw new NotSupportedException();

    public sealed override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
