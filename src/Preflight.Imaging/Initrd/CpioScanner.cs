using Preflight.Formats;
using Preflight.Formats.Cpio;
using Preflight.Formats.Streams;
using Preflight.Imaging.FileSystems;

namespace Preflight.Imaging.Initrd;

/// <summary>
/// Walks cpio newc/crc entries (<see cref="CpioNewcReader"/>) into an InitrdTree, in one pass, within InitrdLimits.
/// Small files are kept in memory (within InitrdLimits' budget); larger ones are remembered by position and read
/// again when opened.
/// </summary>
internal sealed class CpioScanner
{
    private const int MaxLinkTargetBytes = 4096;

    private readonly InitrdLimits _limits;
    private readonly InitrdTree _tree;
    private int _entries;
    private long _retained;
    private long _kept;
    private long _nameBytes;

    public CpioScanner(InitrdLimits limits, InitrdTree tree)
    {
        _limits = limits;
        _tree = tree;
    }

    public int Entries => _entries;

    /// <summary>
    /// Reads one archive up to and including its TRAILER!!! (or to the end of the data, at an entry boundary).
    /// rawFileOffset is the file offset of the reader's position 0 when the data is not compressed: then file
    /// contents are never copied, only located.
    /// </summary>
    public void ScanArchive(ForwardReader reader, int segment, long? rawFileOffset)
    {
        var archive = new CpioNewcReader(reader);
        while (archive.Next() is CpioEntry entry)
        {
            CountEntry(entry.NameLength);
            if (entry.Size > _limits.MaxEntryBytes)
            {
                throw new FormatLimitException(
                    $"cpio entry {entry.Name} is {entry.Size} bytes, over the per-entry limit of {_limits.MaxEntryBytes} bytes (MaxEntryBytes)");
            }
            TreeNode? node = _tree.Add(entry.Header, entry.Name);
            ReadData(archive, entry, node, segment, rawFileOffset);
        }
        if (archive.ReachedTrailer)
        {
            // The trailer is an entry too: an archive of nothing but a trailer is an empty tree, not "no entries".
            CountEntry("TRAILER!!!".Length);
            _tree.EndOfArchive();
        }
    }

    private void CountEntry(int nameBytes)
    {
        if (++_entries > _limits.MaxEntries)
        {
            throw new FormatLimitException($"more than {_limits.MaxEntries} cpio entries (limit MaxEntries)");
        }
        CountNameBytes(nameBytes);
    }

    private void ReadData(CpioNewcReader archive, CpioEntry entry, TreeNode? node, int segment, long? rawFileOffset)
    {
        long size = entry.Size;
        if (node is null || node.Kind is FileKind.Directory or FileKind.Other)
        {
            return; // the next entry skips the data
        }
        if (node.Kind == FileKind.Symlink)
        {
            if (size == 0 || size > MaxLinkTargetBytes)
            {
                throw new InvalidDataException($"symbolic link {entry.Name} has a target of {size} bytes (must be 1..{MaxLinkTargetBytes})");
            }
            CountNameBytes(size);
            var target = new byte[size];
            archive.ReadData(target);
            int nul = Array.IndexOf(target, (byte)0);
            node.LinkTarget = System.Text.Encoding.UTF8.GetString(target, 0, nul >= 0 ? nul : target.Length);
            return;
        }
        // Marked on the shared node, so a hard link's data is kept whichever of its names carries it.
        node.KeepInMemory |= _limits.KeepInMemory.Contains("/" + string.Join('/', InitrdTree.SplitName(entry.Name)));
        // A hard-linked file's data comes with one of its names (GNU cpio: the last); the empty ones do not erase it.
        if (size == 0 && entry.Header.NLink > 1 && node.Content is not null)
        {
            return;
        }
        if (rawFileOffset is long fileOffset)
        {
            node.Content = new SegmentContent(segment, fileOffset + entry.DataOffset, size);
        }
        else if (size <= _limits.SmallFileBytes && _retained + size <= _limits.MaxRetainedBytes)
        {
            var data = new byte[size];
            archive.ReadData(data);
            _retained += size;
            node.Content = new InMemoryContent(data);
        }
        else if (node.KeepInMemory && size <= _limits.MaxKeptBytes - _kept)
        {
            // Not counted against MaxRetainedBytes, so a 60 MiB agent does not push the small files after it (its
            // systemd unit) out to a second decompression; the kept paths share MaxKeptBytes instead, so three of
            // them claiming 500 MiB each cannot cost 1.5 GiB. ReadData fills every byte or throws: no need to zero
            // megabytes first.
            var data = GC.AllocateUninitializedArray<byte>(checked((int)size));
            archive.ReadData(data);
            _kept += size;
            node.Content = new InMemoryContent(data);
        }
        else
        {
            node.Content = new SegmentContent(segment, entry.DataOffset, size);
        }
    }

    /// <summary>Names and link targets are what the tree keeps of every entry: their total is bounded.</summary>
    private void CountNameBytes(long bytes)
    {
        _nameBytes += bytes;
        if (_nameBytes > _limits.MaxNameBytes)
        {
            throw new FormatLimitException($"more than {_limits.MaxNameBytes} bytes of entry names and link targets (limit MaxNameBytes)");
        }
    }
}
