using K4os.Compression.LZ4;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>Decompresses one lz4 pcluster (a raw lz4 block, no frame) into its extent.</summary>
internal static class ErofsLz4
{
    /// <summary>
    /// With the 0PADDING feature the compressed bytes are aligned to the END of the pcluster and preceded by
    /// zeros; skipping them is safe because a non-empty lz4 block starts with a token whose literal count is not
    /// zero (nothing exists yet for a match to copy). Without 0PADDING the bytes start at the beginning and are
    /// followed by padding, which K4os' decoder does not tolerate (real images end a stream one byte short of
    /// the block), so the stream's own length is found first by walking its sequences.
    /// </summary>
    public static void Decompress(ReadOnlySpan<byte> pcluster, Span<byte> extent, bool zeroPadding,
        ErofsVolume volume, long physicalStart, long inode)
    {
        ReadOnlySpan<byte> input = pcluster;
        if (zeroPadding)
        {
            int margin = input.IndexOfAnyExcept((byte)0);
            if (margin < 0)
            {
                throw volume.Corrupt(physicalStart, $"compressed pcluster of inode {inode} is all zeros");
            }
            input = input[margin..];
        }
        int streamLength = StreamLength(input, extent.Length);
        if (streamLength < 0)
        {
            throw volume.Corrupt(physicalStart,
                $"lz4 data of inode {inode} ends before producing the extent's {extent.Length} bytes");
        }
        // K4os' block decoder reports corrupt data by returning a negative count, never by throwing (it is a port
        // of LZ4_decompress_safe_partial), so no exception is caught here: one would be a bug to see.
        int written = LZ4Codec.PartialDecode(input[..streamLength], extent);
        if (written != extent.Length)
        {
            throw volume.Corrupt(physicalStart,
                $"lz4 data of inode {inode} is corrupt: decoded {written} bytes, expected {extent.Length}");
        }
    }

    /// <summary>
    /// How many input bytes the lz4 block needs to produce outputLength bytes, or -1 when it runs out first.
    /// A sequence is a token (literal count high nibble, match length low nibble, 15 meaning "more bytes of
    /// 255 follow"), the literals, then a 2-byte match offset; the block ends after some sequence's literals.
    /// This only counts; the real decoder still checks offsets and copies.
    /// </summary>
    internal static int StreamLength(ReadOnlySpan<byte> input, int outputLength)
    {
        int ip = 0;
        long produced = 0;
        while (ip < input.Length)
        {
            int token = input[ip++];
            long literals = token >> 4;
            if (literals == 15 && !ReadLengthExtension(input, ref ip, ref literals))
            {
                return -1;
            }
            if (literals > input.Length - ip)
            {
                return -1;
            }
            ip += (int)literals;
            produced += literals;
            if (produced >= outputLength)
            {
                return ip;
            }
            if (input.Length - ip < 2)
            {
                return -1;
            }
            ip += 2;
            long match = token & 15;
            if (match == 15 && !ReadLengthExtension(input, ref ip, ref match))
            {
                return -1;
            }
            produced += match + 4;
            if (produced >= outputLength)
            {
                return ip; // the extent ends inside a match; partial decoding stops there
            }
        }
        return -1;
    }

    private static bool ReadLengthExtension(ReadOnlySpan<byte> input, ref int ip, ref long length)
    {
        while (ip < input.Length)
        {
            byte b = input[ip++];
            length += b;
            if (b != 255)
            {
                return true;
            }
        }
        return false;
    }
}
