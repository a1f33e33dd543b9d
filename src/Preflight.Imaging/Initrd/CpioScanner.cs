using System.Text;
using Preflight.Imaging.FileSystems;

namespace Preflight.Imaging.Initrd;

/// <summary>
/// Walks cpio newc/crc entries from a forward reader into an InitrdTree, in one pass. Small files are kept in
/// memory (within InitrdLimits' budget); larger ones are remembered by position and read again when opened.
/// </summary>
internal sealed class CpioScanner
{
    private const int MaxNameBytes = 4096;
    private const int MaxLinkTargetBytes = 4096;
    private static readonly byte[] Trailer = "TRAILER!!!"u8.ToArray();

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
        long archiveStart = reader.Position;
        var header = new byte[CpioHeader.Size];
        var nameBuffer = new byte[MaxNameBytes];
        while (true)
        {
            long headerAt = reader.Position;
            if (!reader.TryReadExactly(header))
            {
                if (reader.Position == headerAt)
                {
                    return;
                }
                throw new InvalidDataException($"cpio header at offset {headerAt} is cut short: the data ends inside it");
            }
            CpioHeader h;
            try
            {
                h = CpioHeader.Parse(header);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{e.Message} at offset {headerAt}");
            }
            if (++_entries > _limits.MaxEntries)
            {
                throw new InitrdLimitException($"more than {_limits.MaxEntries} cpio entries (limit MaxEntries)");
            }
            if (h.NameSize == 0 || h.NameSize > MaxNameBytes)
            {
                throw new InvalidDataException($"cpio entry at offset {headerAt} has a name of {h.NameSize} bytes (must be 1..{MaxNameBytes})");
            }
            Span<byte> rawName = nameBuffer.AsSpan(0, (int)h.NameSize);
            if (!reader.TryReadExactly(rawName))
            {
                throw new InvalidDataException($"cpio entry name at offset {headerAt} is cut short: the data ends inside it");
            }
            int nul = rawName.IndexOf((byte)0);
            ReadOnlySpan<byte> nameBytes = nul >= 0 ? rawName[..nul] : rawName;
            CountNameBytes(nameBytes.Length);
            SkipPadding(reader, archiveStart, headerAt);

            if (nameBytes.SequenceEqual(Trailer))
            {
                Skip(reader, h.FileSize, "TRAILER!!!");
                SkipPadding(reader, archiveStart, headerAt);
                _tree.EndOfArchive();
                return;
            }

            string name = Encoding.UTF8.GetString(nameBytes);
            long dataAt = reader.Position;
            if (reader.KnownLength is long known && h.FileSize > known - dataAt)
            {
                throw new InvalidDataException(
                    $"cpio entry {name} claims {h.FileSize} bytes but only {Math.Max(0, known - dataAt)} remain: it runs past the end of the archive");
            }
            if (h.FileSize > _limits.MaxEntryBytes)
            {
                throw new InitrdLimitException(
                    $"cpio entry {name} is {h.FileSize} bytes, over the per-entry limit of {_limits.MaxEntryBytes} bytes (MaxEntryBytes)");
            }

            TreeNode? node = _tree.Add(h, name);
            ReadData(reader, h, name, node, segment, rawFileOffset, dataAt);
            SkipPadding(reader, archiveStart, headerAt);
        }
    }

    private void ReadData(ForwardReader reader, CpioHeader h, string name, TreeNode? node, int segment, long? rawFileOffset, long dataAt)
    {
        long size = h.FileSize;
        if (node is null || node.Kind is FileKind.Directory or FileKind.Other)
        {
            Skip(reader, size, name);
            return;
        }
        if (node.Kind == FileKind.Symlink)
        {
            if (size == 0 || size > MaxLinkTargetBytes)
            {
                throw new InvalidDataException($"symbolic link {name} has a target of {size} bytes (must be 1..{MaxLinkTargetBytes})");
            }
            CountNameBytes(size);
            var target = new byte[size];
            ReadExactly(reader, target, name);
            int nul = Array.IndexOf(target, (byte)0);
            node.LinkTarget = Encoding.UTF8.GetString(target, 0, nul >= 0 ? nul : target.Length);
            return;
        }
        // Marked on the shared node, so a hard link's data is kept whichever of its names carries it.
        node.KeepInMemory |= _limits.KeepInMemory.Contains("/" + string.Join('/', InitrdTree.SplitName(name)));
        // A hard-linked file's data comes with one of its names (GNU cpio: the last); the empty ones do not erase it.
        if (size == 0 && h.NLink > 1 && node.Content is not null)
        {
            return;
        }
        if (rawFileOffset is long fileOffset)
        {
            node.Content = new SegmentContent(segment, fileOffset + dataAt, size);
            Skip(reader, size, name);
        }
        else if (size <= _limits.SmallFileBytes && _retained + size <= _limits.MaxRetainedBytes)
        {
            var data = new byte[size];
            ReadExactly(reader, data, name);
            _retained += size;
            node.Content = new InMemoryContent(data);
        }
        else if (node.KeepInMemory && size <= _limits.MaxKeptBytes - _kept)
        {
            // Not counted against MaxRetainedBytes, so a 60 MiB agent does not push the small files after it (its
            // systemd unit) out to a second decompression; the kept paths share MaxKeptBytes instead, so three of
            // them claiming 500 MiB each cannot cost 1.5 GiB.
            var data = new byte[size];
            ReadExactly(reader, data, name);
            _kept += size;
            node.Content = new InMemoryContent(data);
        }
        else
        {
            node.Content = new SegmentContent(segment, dataAt, size);
            Skip(reader, size, name);
        }
    }

    /// <summary>Names and link targets are what the tree keeps of every entry: their total is bounded.</summary>
    private void CountNameBytes(long bytes)
    {
        _nameBytes += bytes;
        if (_nameBytes > _limits.MaxNameBytes)
        {
            throw new InitrdLimitException($"more than {_limits.MaxNameBytes} bytes of entry names and link targets (limit MaxNameBytes)");
        }
    }

    /// <summary>newc pads the header+name and the data each to a multiple of 4 bytes from the archive's start.</summary>
    private static void SkipPadding(ForwardReader reader, long archiveStart, long headerAt)
    {
        long misalignment = (reader.Position - archiveStart) % 4;
        if (misalignment != 0 && !reader.TrySkip(4 - misalignment))
        {
            throw new InvalidDataException($"cpio entry at offset {headerAt} is cut short: the data ends in its padding");
        }
    }

    private static void Skip(ForwardReader reader, long count, string name)
    {
        if (!reader.TrySkip(count))
        {
            throw new InvalidDataException($"cpio entry {name} is cut short: the data ends inside its {count} bytes (truncated archive)");
        }
    }

    private static void ReadExactly(ForwardReader reader, Span<byte> destination, string name)
    {
        if (!reader.TryReadExactly(destination))
        {
            throw new InvalidDataException($"cpio entry {name} is cut short: the data ends inside its {destination.Length} bytes (truncated archive)");
        }
    }
}
