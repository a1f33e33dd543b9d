namespace Preflight.Binaries;

/// <summary>
/// The Binaries layer's entry point: turns the bytes of one executable into <see cref="BinaryFacts"/>. It only reads;
/// nothing from the binary is ever executed.
/// </summary>
/// <remarks>
/// A file (or an agent's unbroken range of a guest image) is memory-mapped, never read into one array, and every pass
/// walks it in windows of <see cref="BinaryBytes.WindowBytes"/> whose pages are unmapped before the next: memory
/// follows what the passes keep, not the binary's size. SHA-256 (when the caller will show it), and the descriptor and
/// library scan, run on workers over their own windows while the code and string passes run.
/// Text and descriptors are looked for only in program data (allocated, not executable, not the loader's tables nor
/// Go's line table); code only in executable segments. A file without section headers (hostile, or stripped with
/// sstrip) is read whole.
/// </remarks>
public static class BinaryInspector
{
    public const long MaxFileBytes = 1L << 30;

    private const ulong SectionFlagAlloc = 0x2; // SHF_ALLOC
    private const ulong SectionFlagExecutable = 0x4; // SHF_EXECINSTR

    /// <param name="hash">False when nothing will show the file's SHA-256 (check's text report): the facts then carry
    /// none, and the one pass that must read every byte is saved.</param>
    public static BinaryFacts InspectFile(string path, IReadOnlyCollection<string>? constants = null, bool hash = true)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
        {
            throw new BinaryFormatException(path, 0, $"file is {length} bytes; binaries larger than {MaxFileBytes} bytes (1 GiB) are not inspected");
        }
        if (length == 0)
        {
            return Inspect(ReadOnlyMemory<byte>.Empty, path, constants, hash); // an empty file cannot be mapped; ElfFile refuses it
        }
        using var bytes = BinaryBytes.MapFile(path, length);
        return Inspect(bytes, path, constants, hash);
    }

    /// <summary>
    /// Inspects bytes [offset, offset + length) of a file as a binary of their own (an agent stored unbroken in a guest
    /// image), mapped like a file rather than copied into memory. <paramref name="source"/> names them in facts and errors.
    /// </summary>
    public static BinaryFacts InspectFileRange(string path, long offset, long length, string source, IReadOnlyCollection<string>? constants = null, bool hash = true)
    {
        if (length <= 0 || length > MaxFileBytes || offset < 0 || offset > new FileInfo(path).Length - length)
        {
            throw new BinaryFormatException(source, 0, $"bytes {offset} to {offset + length} of {path} are not a binary this reads (limit {MaxFileBytes} bytes, within the file)");
        }
        using var bytes = BinaryBytes.MapFileRange(path, offset, length);
        return Inspect(bytes, source, constants, hash);
    }

    public static BinaryFacts Inspect(ReadOnlyMemory<byte> bytes, string source, IReadOnlyCollection<string>? constants = null, bool hash = true)
    {
        using var held = BinaryBytes.InMemory(bytes);
        return Inspect(held, source, constants, hash);
    }

    internal static BinaryFacts Inspect(BinaryBytes bytes, string source, IReadOnlyCollection<string>? constants, bool hash)
    {
        ElfFile elf;
        using (var view = bytes.Map())
        {
            elf = ElfFile.Parse(view.Memory, source);
        }
        var dataRanges = DataRanges(elf);
        // Two passes need nothing the others find: the hash (every byte) and the descriptors and library names (the
        // data sections). They run on workers, each over its own windows, beside the code and string passes here.
        Task<string?> sha256 = hash ? Task.Run<string?>(bytes.Sha256) : Task.FromResult<string?>(null);
        var descriptorsAndLibraries = Task.Run(() => ScanDescriptorsAndLibraries(bytes, elf, dataRanges, source));
        try
        {
            return Inspect(bytes, elf, dataRanges, source, constants, sha256, descriptorsAndLibraries);
        }
        finally
        {
            // The workers read the mapping: never let the caller unmap it while one still runs. WaitAny does not
            // throw, so the first error (a worker's is rethrown where its result is taken) is the one the caller sees.
            Task.WaitAny(sha256);
            Task.WaitAny(descriptorsAndLibraries);
        }
    }

    private static BinaryFacts Inspect(
        BinaryBytes bytes, ElfFile elf, IReadOnlyList<FileRange> dataRanges, string source, IReadOnlyCollection<string>? constants,
        Task<string?> sha256, Task<(List<EmbeddedDescriptor> Descriptors, SortedSet<RpcTransport> Libraries)> descriptorsAndLibraries)
    {
        var go = GoBuildInfoReader.Read(elf, bytes, dataRanges);
        // One pass over x86_64 code (null on other architectures) and one over the string headers in data serve
        // every string-evidence reader.
        var code = X86CodeIndex.Build(bytes, elf, dataRanges);
        // Only the constants and a Rust version (no Go build info) need string headers: skip the scan otherwise.
        var headers = constants is not null || go is null ? StringHeaderIndex.Build(bytes, elf) : null;

        // One pass over the data sections for the readers that need the code and header indexes.
        var pathRuns = new List<MethodPathRun>();
        var methodSearch = new MethodStringScanner.Search(pathRuns);
        var constantSearch = constants is null ? null : new ConstantSearch(constants);
        foreach (var window in bytes.Windows(dataRanges))
        {
            methodSearch.ScanWindow(window.Span, window.Start, window.End, elf, code);
            constantSearch?.ScanWindow(window.Span, window.Start, window.End, elf, headers, code);
        }

        VersionFacts? version;
        using (var view = bytes.Map())
        {
            version = VersionExtractor.Extract(go, elf, view.Memory.Span, headers);
        }
        var (descriptors, libraries) = descriptorsAndLibraries.GetAwaiter().GetResult();
        var methods = MergeMethods(descriptors, methodSearch.Methods);
        libraries.UnionWith(TransportDetector.ModuleLibraries(go));
        var libraryList = libraries.ToList();
        return new BinaryFacts(
            source,
            bytes.Length,
            sha256.GetAwaiter().GetResult(),
            elf.ToInfo(),
            descriptors,
            methods,
            TransportDetector.Transport(libraryList),
            go,
            version,
            constantSearch?.Results() ?? [])
        {
            TransportLibraries = libraryList,
            MethodPaths = pathRuns,
        };
    }

    /// <summary>
    /// The descriptors and the RPC libraries named in the data sections, in one pass of their own; Go's line table,
    /// which names the linked packages' functions, is read for the libraries alone, and only while one is unseen.
    /// </summary>
    private static (List<EmbeddedDescriptor> Descriptors, SortedSet<RpcTransport> Libraries) ScanDescriptorsAndLibraries(
        BinaryBytes bytes, ElfFile elf, IReadOnlyList<FileRange> dataRanges, string source)
    {
        var descriptorSearch = new DescriptorScanner.Search(source, bytes.Length);
        var libraries = new TransportDetector.Search();
        foreach (var window in bytes.Windows(dataRanges))
        {
            descriptorSearch.ScanWindow(window.File, window.Start, window.End);
            libraries.ScanWindow(TransportText(window));
        }
        foreach (var window in bytes.Windows(GoLineTableRanges(elf)))
        {
            if (libraries.FoundBoth)
            {
                break;
            }
            libraries.ScanWindow(TransportText(window));
        }
        return (descriptorSearch.Found, libraries.Found());
    }

    /// <summary>
    /// The window's bytes for the transport evidence, widened by the longest marker (with a crate's version digit)
    /// after its end, so a marker straddling two windows is seen.
    /// </summary>
    private static ReadOnlySpan<byte> TransportText(BinaryWindow window)
    {
        const int LongestMarker = 64;
        int from = window.Start;
        int to = (int)Math.Min(window.File.Length, (long)window.End + LongestMarker);
        return window.Span[from..to];
    }

    /// <summary>
    /// Where text and descriptors can be: the allocated, non-executable sections of program data with bytes in the
    /// file (.rodata, .data, .data.rel.ro, Go's .noptrdata), merged where they touch. Left out: the loader's tables
    /// (symbols, hashes, versions, relocations; a Go binary linked for plugins carries 9 MB of them, and a symbol name
    /// is no string constant) and the sections whose contents are known to be no text a program uses (Go's line
    /// table: function and file names; unwind tables). Without section headers, or with none of those, the whole file.
    /// </summary>
    internal static IReadOnlyList<FileRange> DataRanges(ElfFile elf)
    {
        var sections = elf.Sections
            .Where(s => s.Type == ElfSection.TypeProgramData && s.Size > 0 && (s.Flags & SectionFlagAlloc) != 0
                && (s.Flags & SectionFlagExecutable) == 0 && !ElfSection.HoldsNoProgramText(s.Name))
            .Select(s => new FileRange((long)s.Offset, (long)(s.Offset + s.Size)))
            .ToList();
        return sections.Count == 0 ? [new FileRange(0, elf.FileLength)] : Merged(sections);
    }

    /// <summary>Go's function-name table, where a Go binary built without modules shows the packages it links.</summary>
    private static IReadOnlyList<FileRange> GoLineTableRanges(ElfFile elf) =>
        Merged(elf.Sections
            .Where(s => s.Name == ".gopclntab" && s.HasFileData && s.Size > 0)
            .Select(s => new FileRange((long)s.Offset, (long)(s.Offset + s.Size)))
            .ToList());

    /// <summary>Ranges in file order, merged where they touch: sections of a damaged file may overlap, and a byte scanned twice would be counted twice.</summary>
    private static List<FileRange> Merged(List<FileRange> ranges)
    {
        var merged = new List<FileRange>();
        foreach (var range in ranges.OrderBy(r => r.Start))
        {
            if (merged.Count > 0 && range.Start <= merged[^1].End)
            {
                merged[^1] = merged[^1] with { End = Math.Max(merged[^1].End, range.End) };
            }
            else
            {
                merged.Add(range);
            }
        }
        return merged;
    }

    /// <summary>One entry per (service, method); a descriptor's word beats a string's.</summary>
    private static List<MethodEvidence> MergeMethods(
        IReadOnlyList<EmbeddedDescriptor> descriptors, IReadOnlyList<(string Service, string Method)> strings)
    {
        var methods = new List<MethodEvidence>();
        var seen = new HashSet<(string, string)>();
        foreach (var (service, method) in descriptors.SelectMany(d => d.Methods))
        {
            if (seen.Add((service, method)))
            {
                methods.Add(new MethodEvidence(service, method, MethodSource.Descriptor));
            }
        }
        // A descriptor lists its service's methods completely; path strings for that service add only noise
        // (a packed neighbour can glue itself onto a method name: "SignalProcessSoftware").
        var described = seen.Select(s => s.Item1).ToHashSet();
        foreach (var (service, method) in strings)
        {
            if (!described.Contains(service) && seen.Add((service, method)))
            {
                methods.Add(new MethodEvidence(service, method, MethodSource.MethodString));
            }
        }
        return methods;
    }
}
