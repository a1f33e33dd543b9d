using Preflight.Formats;
using Preflight.Formats.Compression;
using Preflight.Formats.Cpio;
using Preflight.Formats.Streams;
using Preflight.Imaging.FileSystems;

namespace Preflight.Imaging.Initrd;

/// <summary>
/// An initrd/initramfs as the kernel would unpack it: one or more cpio newc/crc archives, each uncompressed or
/// compressed (gzip, zstd, xz, lz4 legacy or frame), with zero padding between them. The file is scanned once
/// at Open; afterwards only large compressed entries are decompressed again, when opened.
/// After a compressed run the scan goes on where the kernel's would: past zero padding, at the next archive, so a
/// later archive that replaces the agent is read; where the run ended comes from its format (CompressedRunEnd).
/// Known gap: after a gzip run of several members (whose last trailer records only the last member's size) the
/// run is taken to reach the end of the file.
/// </summary>
public sealed class InitrdFileSystem : ReadOnlyFileSystem
{
    private readonly Stream _file;
    private readonly IReadOnlyList<InitrdSegment> _segments;
    private readonly IReadOnlyList<CpioNode> _nodes;
    private readonly InitrdLimits _limits;

    private InitrdFileSystem(string sourceName, Stream file, IReadOnlyList<InitrdSegment> segments, IReadOnlyList<CpioNode> nodes, InitrdLimits limits)
        : base(sourceName)
    {
        _file = file;
        _segments = segments;
        _nodes = nodes;
        _limits = limits;
    }

    public override FileSystemType FileSystemType => FileSystemType.Cpio;

    /// <summary>How each stretch of the file is stored, in file order (e.g. none then gzip for an early-microcode initrd).</summary>
    public IReadOnlyList<CompressionFormat> Compressions => _segments.Select(s => s.Compression).ToList();

    protected override FileSystemNode Root => _nodes[0];

    /// <summary>True when the file starts like an initrd: a cpio newc/crc header or a compression magic the kernel knows.</summary>
    public static bool Probe(Stream file)
    {
        Span<byte> head = stackalloc byte[8];
        if (file.Length < head.Length)
        {
            return false;
        }
        file.Position = 0;
        file.ReadExactly(head);
        return CpioHeader.HasMagic(head)
            || Decompression.Detect(head) is not null
            || Decompression.DetectUnsupported(head) is not null;
    }

    /// <summary>Scans the initrd on a seekable, read-only stream (not owned: the caller disposes it after this).</summary>
    public static InitrdFileSystem Open(Stream file, string sourceName) => Open(file, sourceName, InitrdLimits.Default);

    public static InitrdFileSystem Open(Stream file, string sourceName, InitrdLimits limits)
    {
        var segments = new List<InitrdSegment>();
        var tree = new InitrdTree(limits.MaxNodes);
        var scanner = new CpioScanner(limits, tree);
        long offset = 0;
        try
        {
            ScanFile(file, sourceName, limits, segments, scanner, ref offset);
        }
        catch (Exception e) when (e is InvalidDataException or FormatLimitException or IOException)
        {
            // The cpio scanner and every decoder (through DecoderGuard) report bad data as InvalidDataException;
            // IOException covers a file that ends early (EndOfStreamException) or cannot be read. Anything else is a bug.
            string where = segments.Count > 0 && segments[^1].Compression != CompressionFormat.None
                ? $"in the {Decompression.Name(segments[^1].Compression)} data starting there: "
                : "";
            throw new ImageFormatException(sourceName, segments.Count > 0 ? segments[^1].FileOffset : offset, $"initrd: {where}{e.Message}", e);
        }
        if (scanner.Entries == 0)
        {
            throw new ImageFormatException(sourceName, 0, "initrd holds no cpio entries");
        }
        return new InitrdFileSystem(sourceName, file, segments, CpioNode.Flatten(tree.Root), limits);
    }

    /// <summary>Archives (compressed runs and plain cpio archives) one initrd may hold; real ones have one to three.</summary>
    public const int MaxArchives = 1024;

    private static void ScanFile(Stream file, string sourceName, InitrdLimits limits, List<InitrdSegment> segments, CpioScanner scanner, ref long offset)
    {
        long length = file.Length;
        long decompressed = 0;
        Span<byte> head = stackalloc byte[8];
        while (offset < length)
        {
            if (segments.Count >= MaxArchives)
            {
                throw new FormatLimitException($"more than {MaxArchives} concatenated archives (limit MaxArchives)");
            }
            var zeros = new ForwardReader(new StreamSlice(file, offset, length - offset), long.MaxValue, "", length - offset);
            offset += zeros.SkipZeros();
            if (offset >= length)
            {
                break;
            }
            head.Clear();
            file.Position = offset;
            file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);

            if (CpioHeader.HasMagic(head))
            {
                segments.Add(new InitrdSegment(offset, CompressionFormat.None));
                var reader = new ForwardReader(new StreamSlice(file, offset, length - offset), long.MaxValue, "", length - offset);
                scanner.ScanArchive(reader, segments.Count - 1, offset);
                offset += reader.Position;
                continue;
            }

            CompressionFormat? detected = Decompression.Detect(head);
            if (detected is not CompressionFormat compression || !Unpacks(compression))
            {
                string? unsupported = detected is CompressionFormat refused ? Decompression.Name(refused) : Decompression.DetectUnsupported(head);
                string problem = unsupported is not null
                    ? $"initrd compressed with {unsupported}, which this reader does not support (gzip, zstd, xz, lz4 are)"
                    : "initrd: unrecognised data (neither a cpio header, zero padding nor a known compression)";
                throw new ImageFormatException(sourceName, offset, problem);
            }
            segments.Add(new InitrdSegment(offset, compression));
            var source = new TrackedSource(new StreamSlice(file, offset, length - offset));
            InvalidDataException? stumbled = null;
            long decodedBytes;
            using (Stream decoder = Decompression.Open(compression, source, leaveOpen: true))
            {
                // One budget for the whole file: every compressed run draws on what the earlier ones left.
                var inflated = new ForwardReader(decoder, limits.MaxDecompressedBytes - decompressed, BombMessage(limits, compression));
                while (true)
                {
                    try
                    {
                        inflated.SkipZeros();
                        if (inflated.Peek() < 0)
                        {
                            break;
                        }
                    }
                    catch (InvalidDataException e)
                    {
                        // Between archives, a decoder that stumbles (zstd, xz and lz4 frames reject the zero padding
                        // the kernel skips) has reached the end of its data, or real damage: NextArchive decides.
                        stumbled = e;
                        break;
                    }
                    scanner.ScanArchive(inflated, segments.Count - 1, rawFileOffset: null);
                }
                decodedBytes = inflated.Position;
                decompressed += decodedBytes;
            }
            offset = NextArchive(file, offset, source, decodedBytes, compression, stumbled);
        }
    }

    /// <summary>
    /// Where the scan goes on after the compressed run that started at runStart: the start of a later archive after
    /// zero padding, or the end of the file when only zero padding follows; anything else after the run is an
    /// error. When the format does not say where the run ended (a gzip run of several members) the run is taken to
    /// reach the end of the file, unless its decoder stumbled.
    /// </summary>
    private static long NextArchive(Stream file, long runStart, TrackedSource source, long decodedBytes,
        CompressionFormat compression, InvalidDataException? stumbled)
    {
        long length = file.Length;
        if (CompressedRunEnd.Find(compression, file, runStart, source, decodedBytes) is not long end)
        {
            return stumbled is null ? length : throw stumbled;
        }
        var zeros = new ForwardReader(new StreamSlice(file, end, length - end), long.MaxValue, "", length - end);
        long next = end + zeros.SkipZeros();
        if (next >= length)
        {
            return length; // only zero padding after the run: a decoder that stumbled on it simply reached its end
        }
        Span<byte> head = stackalloc byte[8];
        file.Position = next;
        int headBytes = file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (next > runStart && StartsArchive(head[..headBytes]))
        {
            return next;
        }
        // Where the run ended is known, so this says more than the decoder's own complaint about the same bytes.
        throw new InvalidDataException(
            $"unrecognised data at byte {next}, after the compressed archive that starts at byte {runStart} (neither zero padding nor another archive)",
            stumbled);
    }

    private static bool StartsArchive(ReadOnlySpan<byte> head) =>
        (head.Length >= 6 && CpioHeader.HasMagic(head)) || (Decompression.Detect(head) is CompressionFormat compression && Unpacks(compression));

    /// <summary>
    /// The compressions read here: the kernel's, less the ones no decoder here reads. bzip2 is decodable (packages
    /// use it) but an initrd in it is refused as before: where its run ends is not found (CompressedRunEnd).
    /// </summary>
    private static bool Unpacks(CompressionFormat compression) => compression is not CompressionFormat.Bzip2;

    private static string BombMessage(InitrdLimits limits, CompressionFormat compression) =>
        $"{Decompression.Name(compression)} data expands past the limit of {limits.MaxDecompressedBytes} bytes (MaxDecompressedBytes): a decompression bomb or a corrupt archive";

    protected override FileSystemNode LoadNode(long inode)
    {
        if (inode < 0 || inode >= _nodes.Count)
        {
            throw new ImageFormatException(SourceName, null, $"initrd inode {inode} does not exist");
        }
        return _nodes[(int)inode];
    }

    protected override IEnumerable<DirectoryEntry> ReadDirectory(FileSystemNode directory) => ((CpioNode)directory).Entries;

    protected override FileSystemNode? Lookup(FileSystemNode directory, string name) =>
        ((CpioNode)directory).Index.TryGetValue(name, out long inode) ? _nodes[(int)inode] : null;

    protected override string ReadLinkTarget(FileSystemNode link) => ((CpioNode)link).LinkTarget ?? "";

    protected override Stream OpenContent(FileSystemNode file)
    {
        CpioContent? content = ((CpioNode)file).Content;
        switch (content)
        {
            case null:
                return new MemoryStream([], writable: false);
            case InMemoryContent memory:
                return Unpacked(memory.Data);
            case SegmentContent located when _segments[located.Segment].Compression == CompressionFormat.None:
                return new StreamSlice(_file, located.Offset, located.Length);
            case SegmentContent located:
                return Reinflate(located);
            default:
                throw new InvalidOperationException("unknown content kind");
        }
    }

    /// <summary>Decompresses the segment again up to the entry and keeps only its bytes (bounded by MaxEntryBytes).</summary>
    private MemoryStream Reinflate(SegmentContent located)
    {
        InitrdSegment segment = _segments[located.Segment];
        try
        {
            using Stream decompressed = Decompression.Open(segment.Compression, new StreamSlice(_file, segment.FileOffset, _file.Length - segment.FileOffset), leaveOpen: true);
            var reader = new ForwardReader(decompressed, _limits.MaxDecompressedBytes, BombMessage(_limits, segment.Compression));
            var data = new byte[located.Length];
            if (!reader.TrySkip(located.Offset) || !reader.TryReadExactly(data))
            {
                throw new InvalidDataException("the data ended early when read again (the file changed since it was opened?)");
            }
            return Unpacked(data);
        }
        catch (Exception e) when (e is InvalidDataException or FormatLimitException or IOException)
        {
            throw new ImageFormatException(SourceName, segment.FileOffset, $"initrd: {e.Message}", e);
        }
    }

    /// <summary>
    /// An entry's bytes, already unpacked: a reader that wants them whole (the agent's) may take the array itself
    /// (MemoryStream.TryGetBuffer) rather than copy megabytes. Nothing writes to it.
    /// </summary>
    private static MemoryStream Unpacked(byte[] data) => new(data, 0, data.Length, writable: false, publiclyVisible: true);

    /// <summary>An entry of the unpacked tree, immutable once the scan is done.</summary>
    private sealed class CpioNode : FileSystemNode
    {
        private CpioNode(long inode, FileKind kind, long length, int mode)
            : base(inode, kind, length, mode)
        {
        }

        public CpioContent? Content { get; private init; }

        public string? LinkTarget { get; private init; }

        public List<DirectoryEntry> Entries { get; } = [];

        public Dictionary<string, long> Index { get; } = new(StringComparer.Ordinal);

        /// <summary>Numbers the tree's nodes (root = 0; hard links share a number) and freezes them.</summary>
        public static List<CpioNode> Flatten(TreeNode root)
        {
            var ids = new Dictionary<TreeNode, long>(ReferenceEqualityComparer.Instance);
            var order = new List<TreeNode>();
            var pending = new Stack<TreeNode>();
            ids[root] = 0;
            order.Add(root);
            pending.Push(root);
            while (pending.Count > 0)
            {
                foreach ((string _, TreeNode child) in pending.Pop().Children)
                {
                    if (ids.TryAdd(child, order.Count))
                    {
                        order.Add(child);
                        if (child.Kind == FileKind.Directory)
                        {
                            pending.Push(child);
                        }
                    }
                }
            }

            var nodes = new List<CpioNode>(order.Count);
            for (int i = 0; i < order.Count; i++)
            {
                TreeNode t = order[i];
                long length = t.Kind switch
                {
                    FileKind.File => t.Content?.Length ?? 0,
                    FileKind.Symlink => System.Text.Encoding.UTF8.GetByteCount(t.LinkTarget ?? ""),
                    _ => 0,
                };
                var node = new CpioNode(i, t.Kind, length, t.Mode) { Content = t.Content, LinkTarget = t.LinkTarget };
                foreach ((string name, TreeNode child) in t.Children)
                {
                    node.Entries.Add(new DirectoryEntry(name, ids[child]));
                    node.Index[name] = ids[child];
                }
                nodes.Add(node);
            }
            return nodes;
        }
    }
}
