namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// Turns XFS block and inode numbers into byte offsets and reads them, checked against the geometry.
/// XFS numbers are not linear: a filesystem block number is (AG number &lt;&lt; agblklog) | AG-relative block,
/// and an inode number further appends the inode's index inside its block (inopblog bits).
/// </summary>
internal sealed class XfsVolume
{
    private readonly Stream _stream;

    public XfsVolume(Stream stream, XfsSuperblock superblock, string source)
    {
        _stream = stream;
        Superblock = superblock;
        Source = source;
    }

    public XfsSuperblock Superblock { get; }

    public string Source { get; }

    public int BlockSize => Superblock.BlockSize;

    /// <summary>The byte offset of the first of <paramref name="count"/> blocks starting at a filesystem block number.</summary>
    public long BlockOffset(ulong fsBlock, long count = 1)
    {
        XfsSuperblock sb = Superblock;
        ulong ag = fsBlock >> sb.AgBlockLog;
        ulong agBlock = fsBlock & ((1UL << sb.AgBlockLog) - 1);
        // An extent never crosses an AG boundary, so the whole run must fit in its AG and in the filesystem.
        if (count < 1 || ag >= sb.AgCount || agBlock + (ulong)count > sb.AgBlocks)
        {
            throw new ImageFormatException(Source, null,
                $"XFS block {fsBlock} (AG {ag}, block {agBlock}, {count} blocks) lies outside the filesystem geometry");
        }
        long linear = (long)(ag * sb.AgBlocks + agBlock);
        if (linear + count > sb.DataBlocks)
        {
            throw new ImageFormatException(Source, null, $"XFS block {fsBlock} lies beyond the end of the filesystem");
        }
        return linear * sb.BlockSize;
    }

    /// <summary>The byte offset of an inode's on-disk record.</summary>
    public long InodeOffset(ulong inode)
    {
        XfsSuperblock sb = Superblock;
        int agInodeBits = sb.AgBlockLog + sb.InodesPerBlockLog;
        ulong fsBlock = inode >> sb.InodesPerBlockLog;
        ulong indexInBlock = inode & ((1UL << sb.InodesPerBlockLog) - 1);
        if (agInodeBits < 64 && (inode >> agInodeBits) >= sb.AgCount)
        {
            throw new ImageFormatException(Source, null, $"XFS inode number {inode} names an allocation group that does not exist");
        }
        return BlockOffset(fsBlock) + (long)indexInBlock * sb.InodeSize;
    }

    /// <summary>Reads exactly buffer.Length bytes at a byte offset; running off the image means it is truncated.</summary>
    public void Read(long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset + buffer.Length > _stream.Length)
        {
            throw new ImageFormatException(Source, offset,
                $"XFS structure of {buffer.Length} bytes runs past the end of the image ({_stream.Length} bytes): the image is truncated");
        }
        _stream.Position = offset;
        int total = 0;
        while (total < buffer.Length)
        {
            int read = _stream.Read(buffer[total..]);
            if (read == 0)
            {
                throw new ImageFormatException(Source, offset + total, "unexpected end of the image while reading XFS data");
            }
            total += read;
        }
    }

    /// <summary>Reads whole filesystem blocks into a new buffer.</summary>
    public byte[] ReadBlocks(ulong fsBlock, int count)
    {
        long offset = BlockOffset(fsBlock, count);
        var buffer = new byte[count * BlockSize];
        Read(offset, buffer);
        return buffer;
    }
}
