using System.Buffers.Binary;
using Preflight.Formats.Compression;

namespace Preflight.Imaging.Initrd;

/// <summary>
/// Where a compressed run of an initrd ends in the file, so the scan can go on at the next archive as the kernel
/// does. Decoders read ahead, so this is found from the format: zstd and lz4 frames are walked header to header
/// (block sizes are in the clear); the lz4 legacy reader reads exactly what it needs; xz ends with its footer and
/// gzip with its trailer, looked for in the last chunks the decoder read. Null when the format does not say
/// (a gzip run of several members, whose last trailer holds only the last member's size).
/// </summary>
internal static class CompressedRunEnd
{
    private const uint ZstdMagic = 0xFD2FB528;
    private const uint Lz4FrameMagic = 0x184D2204;

    /// <param name="start">File offset where the run starts.</param>
    /// <param name="source">What the decoder read of it.</param>
    /// <param name="decodedBytes">How many bytes the decoder produced (gzip's trailer records it).</param>
    public static long? Find(CompressionFormat compression, Stream file, long start, TrackedSource source, long decodedBytes) => compression switch
    {
        CompressionFormat.Zstd => WalkZstdFrame(file, start),
        CompressionFormat.Lz4Frame => WalkLz4Frame(file, start),
        // The legacy reader asks for exactly each size word and block: it stopped at the end of the file, or after
        // the word that ended it (zeros, or the start of something else), which the caller looks at again.
        CompressionFormat.Lz4Legacy => start + source.BytesRead >= file.Length ? file.Length : Math.Max(start + 4, start + source.BytesRead - 4),
        CompressionFormat.Xz => FindInLastChunks(file, start, source, XzFooterEndsAt),
        CompressionFormat.Gzip => FindInLastChunks(file, start, source,
            (window, end) => end >= 8 && BinaryPrimitives.ReadUInt32LittleEndian(window[(end - 4)..]) == (uint)decodedBytes),
        _ => null,
    };

    /// <summary>
    /// The first offset in the last two chunks the decoder read where a stream can end (a decoder asks for a chunk
    /// only once it has used the previous one, and may ask for one more to look for a following member).
    /// </summary>
    private static long? FindInLastChunks(Stream file, long start, TrackedSource source, Func<ReadOnlySpan<byte>, int, bool> endsHere)
    {
        long readEnd = start + source.BytesRead;
        long from = Math.Max(start, readEnd - source.LastTwoReadBytes - 16);
        var window = new byte[readEnd - from];
        file.Position = from;
        file.ReadExactly(window);
        for (int end = 1; end <= window.Length; end++)
        {
            if (endsHere(window, end))
            {
                return from + end;
            }
        }
        return null;
    }

    /// <summary>An xz stream footer ends here: CRC32, backward size, stream flags 00 0X, then "YZ".</summary>
    private static bool XzFooterEndsAt(ReadOnlySpan<byte> window, int end) =>
        end >= 12 && window[end - 2] == (byte)'Y' && window[end - 1] == (byte)'Z' && window[end - 4] == 0 && window[end - 3] <= 0x0F;

    /// <summary>RFC 8878: magic, frame header, blocks (3-byte headers with their sizes), optional checksum.</summary>
    private static long? WalkZstdFrame(Stream file, long start)
    {
        Span<byte> b = stackalloc byte[14];
        if (!ReadAt(file, start, b[..5]) || BinaryPrimitives.ReadUInt32LittleEndian(b) != ZstdMagic)
        {
            return null;
        }
        byte descriptor = b[4];
        int fcsFlag = descriptor >> 6;
        bool singleSegment = (descriptor & 0x20) != 0;
        bool checksum = (descriptor & 0x04) != 0;
        int dictionaryBytes = (descriptor & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        int contentSizeBytes = fcsFlag switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        long at = start + 5 + (singleSegment ? 0 : 1) + dictionaryBytes + contentSizeBytes;
        long length = file.Length;
        while (true)
        {
            if (!ReadAt(file, at, b[..3]))
            {
                return null;
            }
            uint header = (uint)(b[0] | (b[1] << 8) | (b[2] << 16));
            bool last = (header & 1) != 0;
            uint type = (header >> 1) & 3;
            long size = header >> 3;
            at += 3 + type switch { 0 => size, 1 => 1, 2 => size, _ => -1 };
            if (type == 3 || at > length)
            {
                return null;
            }
            if (last)
            {
                return EndWithin(length, checksum ? at + 4 : at);
            }
        }
    }

    /// <summary>The lz4 frame format: magic, FLG, BD, optional size and dictionary id, header checksum, sized blocks.</summary>
    private static long? WalkLz4Frame(Stream file, long start)
    {
        Span<byte> b = stackalloc byte[6];
        if (!ReadAt(file, start, b) || BinaryPrimitives.ReadUInt32LittleEndian(b) != Lz4FrameMagic)
        {
            return null;
        }
        byte flags = b[4];
        bool blockChecksum = (flags & 0x10) != 0;
        bool contentSize = (flags & 0x08) != 0;
        bool contentChecksum = (flags & 0x04) != 0;
        bool dictionary = (flags & 0x01) != 0;
        long at = start + 6 + (contentSize ? 8 : 0) + (dictionary ? 4 : 0) + 1;
        long length = file.Length;
        while (true)
        {
            if (!ReadAt(file, at, b[..4]))
            {
                return null;
            }
            uint word = BinaryPrimitives.ReadUInt32LittleEndian(b);
            at += 4;
            if (word == 0)
            {
                return EndWithin(length, contentChecksum ? at + 4 : at);
            }
            at += (word & 0x7FFFFFFF) + (blockChecksum ? 4 : 0);
            if (at > length)
            {
                return null;
            }
        }
    }

    /// <summary>
    /// A frame whose checksum would lie past the end of the file is cut short, so its end is not known (the blocks
    /// were checked against the file's length, the trailing checksum was not; found by fuzzing: the caller sliced
    /// the file from past its end).
    /// </summary>
    private static long? EndWithin(long fileLength, long end) => end <= fileLength ? end : null;

    private static bool ReadAt(Stream file, long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset > file.Length - buffer.Length)
        {
            return false;
        }
        file.Position = offset;
        file.ReadExactly(buffer);
        return true;
    }
}
