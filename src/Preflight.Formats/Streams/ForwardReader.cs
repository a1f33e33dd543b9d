namespace Preflight.Formats.Streams;

/// <summary>
/// Reads a (possibly decompressing, non-seekable) stream front to back with a small look-ahead buffer, counting
/// the bytes consumed and refusing to go past a byte budget: the one place the decompression cap is enforced.
/// </summary>
public sealed class ForwardReader
{
    private const int BufferSize = 64 * 1024;

    private readonly Stream _stream;
    private readonly long _budget;
    private readonly string _budgetMessage;
    private readonly byte[] _buffer = new byte[BufferSize];
    private int _start;
    private int _end;
    private bool _eof;

    /// <param name="budget">Most bytes this reader may produce; reading more throws with budgetMessage.</param>
    /// <param name="knownLength">The total length when it is known up front (an uncompressed archive), else null.</param>
    public ForwardReader(Stream stream, long budget, string budgetMessage, long? knownLength = null)
    {
        _stream = stream;
        _budget = budget;
        _budgetMessage = budgetMessage;
        KnownLength = knownLength;
    }

    /// <summary>Bytes consumed so far: the offset of the next byte in the (decompressed) stream.</summary>
    public long Position { get; private set; }

    public long? KnownLength { get; }

    /// <summary>The next byte without consuming it, or -1 at the end.</summary>
    public int Peek()
    {
        return Fill() ? _buffer[_start] : -1;
    }

    /// <summary>Fills the whole buffer, or returns false when the stream ended first (partial data is consumed).</summary>
    public bool TryReadExactly(Span<byte> destination)
    {
        int copied = 0;
        while (copied < destination.Length)
        {
            // A large read goes round the look-ahead buffer once it is empty: the decoder writes straight into the
            // caller's memory (an agent of megabytes) instead of through the buffer and a second copy. Within the
            // budget only; at the budget Fill decides, as for any read.
            int rest = destination.Length - copied;
            if (_start == _end && !_eof && rest >= BufferSize && Position < _budget)
            {
                int read = _stream.Read(destination.Slice(copied, (int)Math.Min(rest, _budget - Position)));
                if (read == 0)
                {
                    _eof = true;
                    return false;
                }
                Position += read;
                copied += read;
                continue;
            }
            if (!Fill())
            {
                return false;
            }
            int n = Math.Min(destination.Length - copied, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(destination[copied..]);
            Consume(n);
            copied += n;
        }
        return true;
    }

    /// <summary>Up to destination.Length bytes (fewer only at the end, 0 there), for a caller that streams.</summary>
    public int Read(Span<byte> destination)
    {
        if (destination.IsEmpty || !Fill())
        {
            return 0;
        }
        int n = Math.Min(destination.Length, _end - _start);
        _buffer.AsSpan(_start, n).CopyTo(destination);
        Consume(n);
        return n;
    }

    /// <summary>Skips count bytes; false when the stream ended first.</summary>
    public bool TrySkip(long count)
    {
        while (count > 0)
        {
            if (!Fill())
            {
                return false;
            }
            int n = (int)Math.Min(count, _end - _start);
            Consume(n);
            count -= n;
        }
        return true;
    }

    /// <summary>Skips zero bytes (the padding the kernel allows between archives); returns how many.</summary>
    public long SkipZeros()
    {
        long skipped = 0;
        while (Fill())
        {
            int i = _start;
            while (i < _end && _buffer[i] == 0)
            {
                i++;
            }
            int n = i - _start;
            Consume(n);
            skipped += n;
            if (i < _end)
            {
                break;
            }
        }
        return skipped;
    }

    private void Consume(int n)
    {
        _start += n;
        Position += n;
    }

    private bool Fill()
    {
        if (_start < _end)
        {
            return true;
        }
        if (_eof)
        {
            return false;
        }
        long produced = Position;
        if (produced >= _budget)
        {
            // Only a failure if there really is more data: a stream that ends exactly at the budget is fine.
            if (_stream.Read(_buffer, 0, 1) == 0)
            {
                _eof = true;
                return false;
            }
            throw new FormatLimitException(_budgetMessage);
        }
        int want = (int)Math.Min(BufferSize, _budget - produced);
        int read = _stream.Read(_buffer, 0, want);
        _start = 0;
        _end = read;
        if (read == 0)
        {
            _eof = true;
            return false;
        }
        return true;
    }
}

