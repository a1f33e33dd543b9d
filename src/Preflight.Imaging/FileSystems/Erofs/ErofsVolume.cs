namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// Bounded positioned reads from the volume. Every read is checked against the volume's length so a corrupt
/// address becomes an ImageFormatException naming the offset, never a short read or a read past the image.
/// Metadata (inodes, lcluster indexes) goes through a small block cache because it is read in tiny pieces.
/// </summary>
internal sealed class ErofsVolume
{
    private const int MaxCachedBlocks = 32;

    private readonly Stream _stream;
    private readonly Dictionary<long, byte[]> _metaBlocks = new();

    public ErofsVolume(Stream stream, string sourceName, int blockSizeBits)
    {
        _stream = stream;
        SourceName = sourceName;
        BlockSizeBits = blockSizeBits;
        Length = stream.Length;
    }

    public string SourceName { get; }

    public int BlockSizeBits { get; }

    public int BlockSize => 1 << BlockSizeBits;

    public long Length { get; }

    public ImageFormatException Corrupt(long? offset, string problem) => new(SourceName, offset, problem);

    /// <summary>Throws unless [offset, offset + length) lies inside the volume.</summary>
    public void CheckRange(long offset, long length, string what)
    {
        if (offset < 0 || length < 0 || offset > Length || length > Length - offset)
        {
            throw Corrupt(offset, $"{what} ({length} bytes) lies outside the {Length}-byte EROFS volume");
        }
    }

    /// <summary>Reads exactly buffer.Length bytes at offset, straight from the stream (file data).</summary>
    public void Read(long offset, Span<byte> buffer, string what)
    {
        CheckRange(offset, buffer.Length, what);
        _stream.Position = offset;
        int done = 0;
        while (done < buffer.Length)
        {
            int n = _stream.Read(buffer[done..]);
            if (n <= 0)
            {
                throw Corrupt(offset + done, $"unexpected end of volume while reading {what}");
            }
            done += n;
        }
    }

    /// <summary>Reads metadata that must not cross a block boundary (EROFS never lets it) through the cache.</summary>
    public ReadOnlySpan<byte> ReadMeta(long offset, int length, string what)
    {
        CheckRange(offset, length, what);
        long block = offset >> BlockSizeBits;
        int within = (int)(offset & (BlockSize - 1));
        if (length > BlockSize - within)
        {
            throw Corrupt(offset, $"{what} crosses a block boundary");
        }
        return MetaBlock(block, what).AsSpan(within, length);
    }

    private byte[] MetaBlock(long block, string what)
    {
        if (_metaBlocks.TryGetValue(block, out byte[]? cached))
        {
            return cached;
        }
        long offset = block << BlockSizeBits;
        CheckRange(offset, 1, what);
        // The last block of a volume may be short when an image was cut at its logical end; pad with zeros.
        var data = new byte[BlockSize];
        int available = (int)Math.Min(BlockSize, Length - offset);
        Read(offset, data.AsSpan(0, available), what);
        if (_metaBlocks.Count >= MaxCachedBlocks)
        {
            // Metadata touched by one lookup is a handful of blocks; starting over is simpler than LRU and as good.
            _metaBlocks.Clear();
        }
        _metaBlocks[block] = data;
        return data;
    }
}
