namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>Reads a range of an inode's logical blocks through its extent map (metadata: holes are not allowed).</summary>
internal static class XfsFileBlocks
{
    /// <summary>The extent holding a logical block, or null for a hole. Extents are sorted by file offset.</summary>
    public static XfsExtent? Find(IReadOnlyList<XfsExtent> extents, long fileBlock)
    {
        int low = 0;
        int high = extents.Count - 1;
        while (low <= high)
        {
            int middle = low + ((high - low) / 2);
            XfsExtent extent = extents[middle];
            if (fileBlock < extent.FileBlock)
            {
                high = middle - 1;
            }
            else if (fileBlock >= extent.FileBlockEnd)
            {
                low = middle + 1;
            }
            else
            {
                return extent;
            }
        }
        return null;
    }

    /// <summary>
    /// Reads <paramref name="count"/> logical blocks of a directory or symlink. A structure with a hole or an
    /// unwritten extent inside it is corrupt, so both are errors here (file content treats them as zeros instead).
    /// </summary>
    public static byte[] Read(XfsVolume volume, XfsNode node, long fileBlock, int count)
    {
        IReadOnlyList<XfsExtent> extents = node.Extents(volume);
        int blockSize = volume.BlockSize;
        var buffer = new byte[count * blockSize];
        int done = 0;
        while (done < count)
        {
            long wanted = fileBlock + done;
            XfsExtent extent = Find(extents, wanted) is { Unwritten: false } found
                ? found
                : throw new ImageFormatException(volume.Source, null,
                    $"XFS inode {node.Inode} has no written block at logical block {wanted} inside a directory or link block");
            long inExtent = wanted - extent.FileBlock;
            int run = (int)Math.Min(count - done, extent.BlockCount - inExtent);
            long offset = volume.BlockOffset(extent.StartBlock + (ulong)inExtent, run);
            volume.Read(offset, buffer.AsSpan(done * blockSize, run * blockSize));
            done += run;
        }
        return buffer;
    }
}
