using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// One mapping of file blocks to disk blocks. On disk it is a packed 128-bit big-endian record:
/// bit 127 unwritten flag, 54 bits file offset, 52 bits start block, 21 bits block count.
/// </summary>
internal readonly record struct XfsExtent(long FileBlock, ulong StartBlock, long BlockCount, bool Unwritten)
{
    public const int RecordSize = 16;

    public long FileBlockEnd => FileBlock + BlockCount;

    public static XfsExtent Decode(ReadOnlySpan<byte> record)
    {
        ulong high = BinaryPrimitives.ReadUInt64BigEndian(record);
        ulong low = BinaryPrimitives.ReadUInt64BigEndian(record[8..]);
        bool unwritten = (high >> 63) != 0;
        long fileBlock = (long)((high & ~(1UL << 63)) >> 9);
        ulong startBlock = ((high & 0x1FF) << 43) | (low >> 21);
        long count = (long)(low & 0x1FFFFF);
        return new XfsExtent(fileBlock, startBlock, count, unwritten);
    }
}
