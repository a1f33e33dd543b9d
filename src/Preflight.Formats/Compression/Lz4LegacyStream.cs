using System.Buffers.Binary;
using K4os.Compression.LZ4;

using Preflight.Formats.Streams;

namespace Preflight.Formats.Compression;

/// <summary>
/// Decodes the LZ4 "legacy" frame the kernel's initramfs uses (`lz4 -l`, lib/decompress_unlz4.c): the magic
/// 0x184C2102, then blocks of le32 compressed size + LZ4 block data, each expanding to at most 8 MiB. A repeated
/// magic starts another concatenated stream; a zero size or the end of input ends it.
/// </summary>
internal sealed class Lz4LegacyStream : ForwardOnlyStream
{
    private const uint Magic = 0x184C2102;
    private const int MaxBlockOutput = 8 * 1024 * 1024;

    // LZ4_COMPRESSBOUND(8 MiB): the largest a compressed block of an 8 MiB chunk can be.
    private const int MaxBlockInput = MaxBlockOutput + MaxBlockOutput / 255 + 16;

    private readonly Stream _input;
    private readonly byte[] _output = new byte[MaxBlockOutput];
    private byte[] _compressed = [];
    private int _outputLength;
    private int _outputPosition;
    private bool _started;
    private bool _ended;

    public Lz4LegacyStream(Stream input)
    {
        _input = input;
    }

    public override int Read(Span<byte> buffer)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }
        while (_outputPosition == _outputLength)
        {
            if (_ended || !DecodeNextBlock())
            {
                _ended = true;
                return 0;
            }
        }
        int n = Math.Min(buffer.Length, _outputLength - _outputPosition);
        _output.AsSpan(_outputPosition, n).CopyTo(buffer);
        _outputPosition += n;
        return n;
    }

    private bool DecodeNextBlock()
    {
        Span<byte> word = stackalloc byte[4];
        if (!_started)
        {
            if (!ReadFully(word) || BinaryPrimitives.ReadUInt32LittleEndian(word) != Magic)
            {
                throw new InvalidDataException("lz4 legacy stream does not start with its magic 02 21 4C 18");
            }
            _started = true;
        }
        uint size;
        do
        {
            if (!ReadFully(word))
            {
                return false;
            }
            size = BinaryPrimitives.ReadUInt32LittleEndian(word);
        }
        while (size == Magic);
        if (size == 0)
        {
            return false;
        }
        if (size > MaxBlockInput)
        {
            throw new InvalidDataException($"lz4 legacy block of {size} bytes is larger than an 8 MiB chunk can compress to");
        }
        if (_compressed.Length < size)
        {
            _compressed = new byte[size];
        }
        if (!ReadFully(_compressed.AsSpan(0, (int)size)))
        {
            throw new InvalidDataException("lz4 legacy block is cut short: the data ends inside it");
        }
        int decoded = LZ4Codec.Decode(_compressed.AsSpan(0, (int)size), _output);
        if (decoded < 0)
        {
            throw new InvalidDataException("lz4 legacy block is corrupt");
        }
        _outputLength = decoded;
        _outputPosition = 0;
        return true;
    }

    private bool ReadFully(Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int read = _input.Read(buffer[total..]);
            if (read == 0)
            {
                return false;
            }
            total += read;
        }
        return true;
    }
}
