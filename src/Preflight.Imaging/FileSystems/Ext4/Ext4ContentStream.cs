namespace Preflight.Imaging.FileSystems.Ext4;

/// <summary>
/// A file's content as a read-only, seekable stream. Each read maps only the blocks it touches, so opening a
/// large file costs nothing and reading a part of it reads only that part (plus the extent or indirect blocks
/// on the way). Holes and uninitialised extents read as zeros.
/// </summary>
internal sealed class Ext4ContentStream : Stream
{
    private readonly Ext4Volume _volume;
    private readonly IExt4BlockMap _map;
    private readonly long _length;
    private readonly string _what;
    private long _position;

    public Ext4ContentStream(Ext4Volume volume, IExt4BlockMap map, long length, string what)
    {
        _volume = volume;
        _map = map;
        _length = length;
        _what = what;
    }

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
        if (remaining <= 0 || buffer.IsEmpty)
        {
            return 0;
        }
        if (buffer.Length > remaining)
        {
            buffer = buffer[..(int)remaining];
        }

        int blockSize = _volume.BlockSize;
        long logical = _position / blockSize;
        int inBlock = (int)(_position % blockSize);
        Ext4Run run = _map.Map(logical);

        if (run.Logical > logical || run.Length < 1 || run.Length - 1 < logical - run.Logical)
        {
            throw new InvalidOperationException($"block map returned a run that does not hold block {logical}");
        }

        // Serve what this one run covers; callers loop for more (Stream.Read may return fewer bytes). The block
        // count is capped first so a run "to infinity" (a trailing hole) cannot overflow the byte count.
        long runBlocks = Math.Min(run.Logical + run.Length - logical, buffer.Length / blockSize + 2);
        long runBytes = runBlocks * blockSize - inBlock;
        int count = (int)Math.Min(buffer.Length, runBytes);
        Span<byte> target = buffer[..count];
        if (run.ReadsAsZeros)
        {
            target.Clear();
        }
        else
        {
            long physicalOffset = (run.Physical + (logical - run.Logical)) * blockSize + inBlock;
            _volume.ReadAt(physicalOffset, target, _what);
        }
        _position += count;
        return count;
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
