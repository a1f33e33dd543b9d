using System.Buffers.Binary;
using System.Text;

namespace Preflight.Imaging.FileSystems.Xfs;

/// <summary>
/// Reads a symbolic link's target: inline in the inode when it fits, otherwise in blocks that each start with
/// an "XSLM" header saying which slice of the target they carry.
/// </summary>
internal static class XfsSymlink
{
    /// <summary>XFS_SYMLINK_MAXLEN (MAXPATHLEN): the kernel refuses longer targets.</summary>
    public const int MaxLength = 1024;

    private const uint RemoteMagic = 0x58534C4D; // "XSLM"
    private const int RemoteHeaderSize = 56;

    public static string ReadTarget(XfsVolume volume, XfsNode link)
    {
        if (link.Length < 1 || link.Length > MaxLength)
        {
            throw Bad(volume, link, $"has a target length {link.Length}, outside 1..{MaxLength}");
        }
        int length = (int)link.Length;
        if (link.Format == XfsForkFormat.Local)
        {
            if (length > link.Fork.Length)
            {
                throw Bad(volume, link, $"is inline with {length} bytes but its data fork holds {link.Fork.Length}");
            }
            return Decode(volume, link, link.Fork.AsSpan(0, length));
        }
        return Decode(volume, link, ReadRemote(volume, link, length));
    }

    private static byte[] ReadRemote(XfsVolume volume, XfsNode link, int length)
    {
        int blockSize = volume.BlockSize;
        int perBlock = blockSize - RemoteHeaderSize;
        int blocks = (length + perBlock - 1) / perBlock;
        byte[] raw = XfsFileBlocks.Read(volume, link, 0, blocks);

        var target = new byte[length];
        int copied = 0;
        for (int i = 0; i < blocks; i++)
        {
            ReadOnlySpan<byte> block = raw.AsSpan(i * blockSize, blockSize);
            uint magic = BinaryPrimitives.ReadUInt32BigEndian(block);
            uint offset = BinaryPrimitives.ReadUInt32BigEndian(block[4..]);
            uint bytes = BinaryPrimitives.ReadUInt32BigEndian(block[8..]);
            ulong owner = BinaryPrimitives.ReadUInt64BigEndian(block[32..]);
            if (magic != RemoteMagic)
            {
                throw Bad(volume, link, $"has remote block {i} without magic \"XSLM\"");
            }
            if (owner != (ulong)link.Inode || offset != copied || bytes == 0 || bytes > perBlock || bytes > length - copied)
            {
                throw Bad(volume, link, $"has remote block {i} (owner {owner}, offset {offset}, {bytes} bytes) that does not continue the target at {copied}");
            }
            block.Slice(RemoteHeaderSize, (int)bytes).CopyTo(target.AsSpan(copied));
            copied += (int)bytes;
        }
        if (copied != length)
        {
            throw Bad(volume, link, $"has remote blocks carrying {copied} of its {length} bytes");
        }
        return target;
    }

    private static string Decode(XfsVolume volume, XfsNode link, ReadOnlySpan<byte> target)
    {
        if (target.IndexOf((byte)0) >= 0)
        {
            throw Bad(volume, link, "has a NUL byte in its target");
        }
        return Encoding.UTF8.GetString(target);
    }

    private static ImageFormatException Bad(XfsVolume volume, XfsNode link, string problem) =>
        new(volume.Source, null, $"XFS symbolic link inode {link.Inode} {problem}");
}
