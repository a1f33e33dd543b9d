namespace Preflight.Binaries;

/// <summary>A (pointer, length) pair stored in data: Go's string header, Rust's `&amp;str`.</summary>
/// <param name="Slot">The virtual address of the header's first word.</param>
/// <param name="Pointer">The address the header points at.</param>
/// <param name="Length">The length word.</param>
/// <param name="Relocated">True when the word in place is zero and a RELATIVE relocation's addend gives the pointer.</param>
internal readonly record struct StringHeader(ulong Slot, ulong Pointer, ulong Length, bool Relocated);

/// <summary>
/// Every string header of a binary, found in one pass, so a constant can be proven to be a string of its own (some
/// header points at exactly its bytes with exactly its length) rather than bytes that occur inside packed text.
/// Go and Rust keep a string as (pointer, length): two pointer-sized words in the binary's byte order, aligned, in
/// allocated non-executable data. In a position-independent binary the pointer word may be zero (x86_64's RELA) with
/// the address in a RELATIVE relocation's addend, or hold the address itself (REL, RELR, and GNU ld's RELA output on
/// aarch64 and s390x, which also writes the addend in place): both are read.
/// </summary>
internal sealed class StringHeaderIndex
{
    private const uint SectionTypeRela = 4; // SHT_RELA
    private const ulong FlagAlloc = 0x2; // SHF_ALLOC
    private const ulong FlagExecutable = 0x4; // SHF_EXECINSTR

    /// <summary>Longer strings are not constants a caller asks about (driver names, versions, method paths).</summary>
    public const ulong MaxLength = 4096;

    private const int MaxRelocations = 4_000_000;
    private const int MaxHeaders = 4_000_000; // bounds memory on huge binaries; later headers are not indexed

    private readonly List<StringHeader> _headers = [];
    private readonly Dictionary<ulong, int> _bySlot = [];
    private readonly HashSet<(ulong Pointer, ulong Length)> _inPlace = [];
    private readonly HashSet<(ulong Pointer, ulong Length)> _relocated = [];

    private readonly Dictionary<ulong, ulong> _relocations;
    private readonly ulong _lowest;
    private readonly ulong _highest;

    private StringHeaderIndex(ElfFile elf, Dictionary<ulong, ulong> relocations)
    {
        Elf = elf;
        _relocations = relocations;
        // A cheap range test before the segment walk: most small words are not followed by a pointer into the file.
        (_lowest, _highest) = LoadedRange(elf);
    }

    public ElfFile Elf { get; }

    /// <summary>Every header found, in file order (section by section, slot by slot).</summary>
    public IReadOnlyList<StringHeader> Headers => _headers;

    public static StringHeaderIndex Build(ReadOnlySpan<byte> data, ElfFile elf)
    {
        var index = new StringHeaderIndex(elf, RelativeRelocations(elf, data));
        // The data may be shorter than the file the headers came from (callers hand in cut copies).
        int length = data.Length;
        foreach (var section in HeaderSections(elf).Where(s => InFile(s.Offset, s.Size, length)))
        {
            index.AddSlots(data, section, (int)section.Offset, (int)(section.Offset + section.Size));
        }
        return index;
    }

    /// <summary>As <see cref="Build(ReadOnlySpan{byte}, ElfFile)"/>, reading each section window by window.</summary>
    public static StringHeaderIndex Build(BinaryBytes bytes, ElfFile elf)
    {
        StringHeaderIndex index;
        using (var view = bytes.Map())
        {
            index = new StringHeaderIndex(elf, RelativeRelocations(elf, view.Memory.Span));
        }
        foreach (var section in HeaderSections(elf))
        {
            foreach (var window in bytes.Windows([new FileRange((long)section.Offset, (long)(section.Offset + section.Size))]))
            {
                index.AddSlots(window.Span, section, window.Start, window.End);
            }
        }
        return index;
    }

    /// <summary>Allocated, non-executable data sections in the file that may hold string headers, in header order.</summary>
    private static IEnumerable<ElfSection> HeaderSections(ElfFile elf) =>
        elf.Sections.Where(section => section.Type == ElfSection.TypeProgramData && (section.Flags & FlagAlloc) != 0
            && (section.Flags & FlagExecutable) == 0 && section.Address != 0 && !HoldsNoStringHeaders(section.Name)
            && section.Offset <= (ulong)elf.FileLength && section.Size <= (ulong)elf.FileLength - section.Offset
            && section.Size <= int.MaxValue);

    /// <summary>Indexes the headers of <paramref name="section"/> whose slot lies at a file offset in [start, end).</summary>
    private void AddSlots(ReadOnlySpan<byte> data, ElfSection section, int start, int end)
    {
        var elf = Elf;
        int word = elf.Class / 8;
        ReadOnlySpan<byte> area = data.Slice((int)section.Offset, (int)section.Size);
        // Headers are pointer-aligned in memory: start at the section's first aligned address.
        int first = (int)((ulong)(word - (int)(section.Address % (ulong)word)) % (ulong)word);
        int from = start - (int)section.Offset;
        if (from > first)
        {
            first += (from - first + word - 1) / word * word;
        }
        int stop = end - (int)section.Offset;
        for (int at = first; at < stop && at + 2 * word <= area.Length && _headers.Count < MaxHeaders; at += word)
        {
            ulong length = elf.ReadPointer(area[(at + word)..]);
            if (length == 0 || length > MaxLength)
            {
                continue; // the cheap test first: most words are not a short length
            }
            ulong slot = section.Address + (ulong)at;
            // A slot a RELATIVE relocation fills holds zero (x86_64's RELA) or the address itself (REL, RELR,
            // GNU ld's RELA on aarch64 and s390x): only a zero needs the relocation table.
            ulong pointer = elf.ReadPointer(area[at..]);
            bool fromRelocation = pointer == 0 && _relocations.TryGetValue(slot, out pointer);
            if (pointer < _lowest || pointer >= _highest
                || !elf.TryMapAddress(pointer, length, out long offset) || offset < 0 || offset > data.Length - (long)length)
            {
                continue;
            }
            _bySlot.TryAdd(slot, _headers.Count); // sections of a damaged file may overlap
            _headers.Add(new StringHeader(slot, pointer, length, fromRelocation));
            (fromRelocation ? _relocated : _inPlace).Add((pointer, length));
        }
    }

    /// <summary>The header whose first word is at <paramref name="slot"/>, if one was indexed.</summary>
    public StringHeader? HeaderAt(ulong slot) => _bySlot.TryGetValue(slot, out int at) ? _headers[at] : null;

    /// <summary>Whether a header with the pointer in place names exactly these bytes.</summary>
    public bool HasHeader(ulong pointer, int length) => _inPlace.Contains((pointer, (ulong)length));

    /// <summary>Whether a header whose pointer a RELATIVE relocation fills names exactly these bytes.</summary>
    public bool HasRelocatedHeader(ulong pointer, int length) => _relocated.Contains((pointer, (ulong)length));

    /// <summary>The bytes a header points at (Build checked that they lie in the file).</summary>
    public ReadOnlySpan<byte> Target(ReadOnlySpan<byte> data, StringHeader header) =>
        Elf.TryMapAddress(header.Pointer, header.Length, out long offset) && offset >= 0 && offset <= data.Length - (long)header.Length
            ? data.Slice((int)offset, (int)header.Length)
            : [];

    /// <summary>
    /// Sections whose contents are known not to be string headers (those with no program text, plus the loader's path,
    /// Go's build info and notes): skipping them saves a third of a Go binary's scan and the false pairs its numbers
    /// would make.
    /// </summary>
    private static bool HoldsNoStringHeaders(string name) =>
        ElfSection.HoldsNoProgramText(name) || name is ".interp" or ".go.buildinfo"
        || name.StartsWith(".note", StringComparison.Ordinal);

    /// <summary>The lowest and one past the highest virtual address any loaded segment's file bytes cover.</summary>
    private static (ulong Lowest, ulong Highest) LoadedRange(ElfFile elf)
    {
        ulong lowest = ulong.MaxValue, highest = 0;
        foreach (var segment in elf.Segments)
        {
            if (segment.Type == ElfSegment.TypeLoad && segment.FileSize > 0)
            {
                lowest = Math.Min(lowest, segment.VirtualAddress);
                highest = Math.Max(highest, segment.VirtualAddress + segment.FileSize);
            }
        }
        return (lowest, highest);
    }

    /// <summary>
    /// Slot address to target address for the machine's RELATIVE relocations in SHT_RELA sections. REL and RELR keep
    /// the address in the slot itself, which the header scan reads directly, so they need nothing here.
    /// </summary>
    private static Dictionary<ulong, ulong> RelativeRelocations(ElfFile elf, ReadOnlySpan<byte> data)
    {
        var map = new Dictionary<ulong, ulong>();
        uint? relative = elf.MachineCode switch
        {
            3 or 62 => 8, // R_386_RELATIVE, R_X86_64_RELATIVE
            183 => 1027, // R_AARCH64_RELATIVE
            22 => 12, // R_390_RELATIVE
            20 or 21 => 22, // R_PPC_RELATIVE, R_PPC64_RELATIVE
            40 => 23, // R_ARM_RELATIVE
            243 or 258 => 3, // R_RISCV_RELATIVE, R_LARCH_RELATIVE
            _ => null,
        };
        if (relative is null)
        {
            return map;
        }
        int word = elf.Class / 8;
        int entrySize = 3 * word; // Elf64_Rela / Elf32_Rela: r_offset, r_info, r_addend
        foreach (var section in elf.Sections)
        {
            if (section.Type != SectionTypeRela || !InFile(section.Offset, section.Size, data.Length))
            {
                continue;
            }
            ReadOnlySpan<byte> table = data.Slice((int)section.Offset, (int)section.Size);
            for (int at = 0; at + entrySize <= table.Length && map.Count < MaxRelocations; at += entrySize)
            {
                ulong info = elf.ReadPointer(table[(at + word)..]);
                // ELF64_R_TYPE is the low 32 bits of r_info, ELF32_R_TYPE the low 8.
                uint type = word == 8 ? (uint)info : (uint)(info & 0xFF);
                if (type == relative)
                {
                    map[elf.ReadPointer(table[at..])] = elf.ReadPointer(table[(at + 2 * word)..]);
                }
            }
        }
        return map;
    }

    private static bool InFile(ulong offset, ulong size, int length) =>
        offset <= (ulong)length && size <= (ulong)length - offset && size <= int.MaxValue;
}
