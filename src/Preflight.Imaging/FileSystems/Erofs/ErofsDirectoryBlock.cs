using System.Buffers.Binary;
using System.Text;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// One directory block: an array of 12-byte dirents (le64 nid, le16 name offset, u8 file type, u8 reserved)
/// followed by their names, unterminated, back to back. The first name's offset tells how many dirents there
/// are; each name ends where the next begins, the last at the end of the block (NUL padding trimmed).
/// Entries are sorted by name (bytewise) within and across blocks, which lets lookups binary-search.
/// </summary>
internal static class ErofsDirectoryBlock
{
    public readonly record struct RawEntry(long Nid, int NameStart, int NameLength);

    public static List<RawEntry> Parse(ReadOnlySpan<byte> block, ErofsVolume volume, long inode, long blockNumber)
    {
        if (block.Length < ErofsFormat.DirentSize)
        {
            throw Bad(volume, inode, blockNumber, $"is only {block.Length} bytes long");
        }
        int firstNameOffset = BinaryPrimitives.ReadUInt16LittleEndian(block[8..]);
        if (firstNameOffset < ErofsFormat.DirentSize || firstNameOffset % ErofsFormat.DirentSize != 0
            || firstNameOffset > block.Length)
        {
            throw Bad(volume, inode, blockNumber, $"has a bogus first name offset {firstNameOffset}");
        }
        int count = firstNameOffset / ErofsFormat.DirentSize;
        var entries = new List<RawEntry>(count);
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> dirent = block.Slice(i * ErofsFormat.DirentSize, ErofsFormat.DirentSize);
            long nid = (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(dirent), long.MaxValue);
            int nameStart = BinaryPrimitives.ReadUInt16LittleEndian(dirent[8..]);
            int nameEnd = i + 1 < count
                ? BinaryPrimitives.ReadUInt16LittleEndian(block[((i + 1) * ErofsFormat.DirentSize + 8)..])
                : block.Length;
            if (nameStart < firstNameOffset || nameEnd > block.Length || nameEnd <= nameStart)
            {
                throw Bad(volume, inode, blockNumber, $"has a bogus name range [{nameStart}, {nameEnd}) for entry {i}");
            }
            int length = nameEnd - nameStart;
            if (i + 1 == count)
            {
                // Only the last name can be followed by padding.
                int nul = block.Slice(nameStart, length).IndexOf((byte)0);
                if (nul >= 0)
                {
                    length = nul;
                }
            }
            if (length == 0 || length > ErofsFormat.MaxNameLength)
            {
                throw Bad(volume, inode, blockNumber, $"has a name of {length} bytes for entry {i}");
            }
            entries.Add(new RawEntry(nid, nameStart, length));
        }
        return entries;
    }

    public static string Name(ReadOnlySpan<byte> block, RawEntry entry) =>
        Encoding.UTF8.GetString(block.Slice(entry.NameStart, entry.NameLength));

    private static ImageFormatException Bad(ErofsVolume volume, long inode, long blockNumber, string problem) =>
        volume.Corrupt(null, $"directory inode {inode}, block {blockNumber} {problem}");
}
