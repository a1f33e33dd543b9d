using System.Buffers.Binary;
using System.Text;
using static Preflight.Binaries.ElfFieldLocations;

namespace Preflight.Binaries;

/// <summary>A section header: its name (from .shstrtab), type, address in memory and extent in the file.</summary>
public sealed record ElfSection(string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size)
{
    public const uint TypeProgramData = 1; // SHT_PROGBITS
    public const uint TypeNoBits = 8;
    public const uint TypeNote = 7;
    public const uint TypeSymbolTable = 2;

    /// <summary>True when the section occupies bytes in the file (SHT_NOBITS, e.g. .bss, does not).</summary>
    public bool HasFileData => Type != TypeNoBits && Type != 0;

    /// <summary>
    /// Program-data sections known to hold no text or string a program uses: Go's line table (function and file
    /// names), symbol table and type links, and unwind tables.
    /// </summary>
    public static bool HoldsNoProgramText(string name) =>
        name is ".gopclntab" or ".gosymtab" or ".typelink" or ".itablink" or ".eh_frame" or ".eh_frame_hdr" or ".gcc_except_table";
}

/// <summary>A program header: what the loader maps, where it comes from in the file and where it goes in memory.</summary>
public sealed record ElfSegment(uint Type, uint Flags, ulong Offset, ulong VirtualAddress, ulong FileSize, ulong MemorySize, ulong Align)
{
    public const uint TypeLoad = 1;
    public const uint TypeNote = 4;
}

/// <summary>
/// A small, bounded ELF reader. We read only the identity header, the section and program header tables and notes:
/// that is all the facts need, and a library such as ELFSharp or LibObjectFile would bring a larger surface (and
/// reflection-free/trim guarantees we would have to audit) for no gain. Every table is checked against the data
/// before it is read; a damaged file raises <see cref="BinaryFormatException"/>.
/// </summary>
public sealed class ElfFile
{
    private const int MaxSections = 1 << 16;
    private const int MaxNotesPerArea = 256;

    // Only while parsing: the bytes may be a mapped view the caller releases right after, so nothing keeps them.
    private ReadOnlyMemory<byte> _data;
    private readonly string _source;

    private ElfFile(ReadOnlyMemory<byte> data, string source)
    {
        _data = data;
        _source = source;
        FileLength = data.Length;
    }

    /// <summary>The file's name as reports give it (the path, or image:path for an agent inside an image).</summary>
    public string Source => _source;

    /// <summary>The size of the file the headers were read from.</summary>
    public long FileLength { get; }

    /// <summary>32 or 64.</summary>
    public int Class { get; private set; }

    public bool BigEndian { get; private set; }

    public ushort MachineCode { get; private set; }

    /// <summary>The architecture under the name Kata and distributions use: "x86_64", "aarch64", "s390x", "ppc64le", ...</summary>
    public string Machine { get; private set; } = "";

    public IReadOnlyList<ElfSection> Sections { get; private set; } = [];

    public IReadOnlyList<ElfSegment> Segments { get; private set; } = [];

    /// <summary>The GNU build-id as lower-case hex, as readelf -n prints it; null when the binary has none.</summary>
    public string? BuildId { get; private set; }

    /// <summary>True when there is no symbol table (.symtab): `strip` or Go's `-ldflags=-s` removed it.</summary>
    public bool Stripped => !Sections.Any(s => s.Type == ElfSection.TypeSymbolTable);

    public ElfInfo ToInfo() => new(Machine, BigEndian ? "big" : "little", Class, BuildId, Stripped);

    /// <summary>True when the bytes start with the ELF magic (a cheap test before <see cref="Parse"/>).</summary>
    public static bool HasElfMagic(ReadOnlySpan<byte> data) => Preflight.Formats.ElfMagic.StartsWith(data);

    public static ElfFile Parse(ReadOnlyMemory<byte> data, string source)
    {
        var elf = new ElfFile(data, source);
        elf.ReadHeaders();
        elf._data = ReadOnlyMemory<byte>.Empty;
        return elf;
    }

    public ElfSection? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>
    /// Maps a virtual address range to a file offset through the loaded segments (or, with no program headers, the
    /// allocated sections). Go's pre-1.18 build info and string headers hold addresses, not offsets.
    /// </summary>
    public bool TryMapAddress(ulong address, ulong length, out long fileOffset)
    {
        // Indexed loops: this runs for every candidate string header, and an interface foreach allocates.
        for (int i = 0; i < Segments.Count; i++)
        {
            var segment = Segments[i];
            if (segment.Type == ElfSegment.TypeLoad && address >= segment.VirtualAddress
                && address - segment.VirtualAddress <= segment.FileSize
                && length <= segment.FileSize - (address - segment.VirtualAddress))
            {
                fileOffset = (long)(segment.Offset + (address - segment.VirtualAddress));
                return true;
            }
        }
        for (int i = 0; i < Sections.Count; i++)
        {
            var section = Sections[i];
            if (section.HasFileData && section.Address != 0 && address >= section.Address
                && address - section.Address <= section.Size && length <= section.Size - (address - section.Address))
            {
                fileOffset = (long)(section.Offset + (address - section.Address));
                return true;
            }
        }
        fileOffset = -1;
        return false;
    }

    public ulong ReadPointer(ReadOnlySpan<byte> data) => Class == 64 ? ReadUInt64(data) : ReadUInt32(data);

    public ulong ReadUInt64(ReadOnlySpan<byte> data) =>
        BigEndian ? BinaryPrimitives.ReadUInt64BigEndian(data) : BinaryPrimitives.ReadUInt64LittleEndian(data);

    public uint ReadUInt32(ReadOnlySpan<byte> data) =>
        BigEndian ? BinaryPrimitives.ReadUInt32BigEndian(data) : BinaryPrimitives.ReadUInt32LittleEndian(data);

    public ushort ReadUInt16(ReadOnlySpan<byte> data) =>
        BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(data) : BinaryPrimitives.ReadUInt16LittleEndian(data);

    private void ReadHeaders()
    {
        var span = _data.Span;
        if (!HasElfMagic(span))
        {
            throw Fail(0, "not an ELF file (no \\x7fELF magic)");
        }
        if (span.Length < 52)
        {
            throw Fail(span.Length, "truncated ELF header");
        }
        Class = span[IdentClass] switch
        {
            1 => 32,
            2 => 64,
            _ => throw Fail(IdentClass, $"unknown ELF class {span[IdentClass]}"),
        };
        BigEndian = span[IdentData] switch
        {
            1 => false,
            2 => true,
            _ => throw Fail(IdentData, $"unknown ELF data encoding {span[IdentData]}"),
        };
        int headerSize = Class == 64 ? Elf64.HeaderSize : Elf32.HeaderSize;
        if (span.Length < headerSize)
        {
            throw Fail(span.Length, "truncated ELF header");
        }
        MachineCode = ReadUInt16(span[HeaderMachine..]);
        Machine = MachineName(MachineCode, Class, BigEndian);

        ulong programOffset, sectionOffset;
        int programEntrySize, programCount, sectionEntrySize, sectionCount, sectionNamesIndex;
        if (Class == 64)
        {
            programOffset = ReadUInt64(span[Elf64.ProgramHeaderOffset..]);
            sectionOffset = ReadUInt64(span[Elf64.SectionHeaderOffset..]);
            programEntrySize = ReadUInt16(span[Elf64.ProgramEntrySize..]);
            programCount = ReadUInt16(span[Elf64.ProgramCount..]);
            sectionEntrySize = ReadUInt16(span[Elf64.SectionEntrySize..]);
            sectionCount = ReadUInt16(span[Elf64.SectionCount..]);
            sectionNamesIndex = ReadUInt16(span[Elf64.SectionNamesIndex..]);
        }
        else
        {
            programOffset = ReadUInt32(span[Elf32.ProgramHeaderOffset..]);
            sectionOffset = ReadUInt32(span[Elf32.SectionHeaderOffset..]);
            programEntrySize = ReadUInt16(span[Elf32.ProgramEntrySize..]);
            programCount = ReadUInt16(span[Elf32.ProgramCount..]);
            sectionEntrySize = ReadUInt16(span[Elf32.SectionEntrySize..]);
            sectionCount = ReadUInt16(span[Elf32.SectionCount..]);
            sectionNamesIndex = ReadUInt16(span[Elf32.SectionNamesIndex..]);
        }

        Segments = ReadSegments(programOffset, programEntrySize, programCount);
        Sections = ReadSections(sectionOffset, sectionEntrySize, sectionCount, sectionNamesIndex);
        BuildId = FindBuildId();
    }

    private List<ElfSegment> ReadSegments(ulong offset, int entrySize, int count)
    {
        var segments = new List<ElfSegment>();
        if (count == 0 || offset == 0)
        {
            return segments;
        }
        int minimum = Class == 64 ? Elf64.ProgramEntryMinimum : Elf32.ProgramEntryMinimum;
        if (entrySize < minimum)
        {
            throw Fail((long)offset, $"program header entry size {entrySize} is smaller than {minimum}");
        }
        var table = Table(offset, entrySize, count, "program header table");
        for (int i = 0; i < count; i++)
        {
            var e = table.Slice(i * entrySize, entrySize);
            ElfSegment segment = Class == 64
                ? new(ReadUInt32(e[Elf64.SegmentType..]), ReadUInt32(e[Elf64.SegmentFlags..]), ReadUInt64(e[Elf64.SegmentOffset..]),
                    ReadUInt64(e[Elf64.SegmentVirtualAddress..]), ReadUInt64(e[Elf64.SegmentFileSize..]),
                    ReadUInt64(e[Elf64.SegmentMemorySize..]), ReadUInt64(e[Elf64.SegmentAlign..]))
                : new(ReadUInt32(e[Elf32.SegmentType..]), ReadUInt32(e[Elf32.SegmentFlags..]), ReadUInt32(e[Elf32.SegmentOffset..]),
                    ReadUInt32(e[Elf32.SegmentVirtualAddress..]), ReadUInt32(e[Elf32.SegmentFileSize..]),
                    ReadUInt32(e[Elf32.SegmentMemorySize..]), ReadUInt32(e[Elf32.SegmentAlign..]));
            CheckExtent(segment.Offset, segment.FileSize, (long)offset + i * entrySize, $"segment {i}");
            segments.Add(segment);
        }
        return segments;
    }

    private List<ElfSection> ReadSections(ulong offset, int entrySize, int count, int namesIndex)
    {
        var sections = new List<ElfSection>();
        if (offset == 0)
        {
            return sections;
        }
        int minimum = Class == 64 ? Elf64.SectionEntryMinimum : Elf32.SectionEntryMinimum;
        if (entrySize < minimum)
        {
            throw Fail((long)offset, $"section header entry size {entrySize} is smaller than {minimum}");
        }
        // With 0xff00 or more sections the real count lives in the size field of section 0 (extended numbering).
        var first = Table(offset, entrySize, 1, "section header table");
        if (count == 0)
        {
            ulong extended = Class == 64 ? ReadUInt64(first[Elf64.SectionSize..]) : ReadUInt32(first[Elf32.SectionSize..]);
            if (extended > MaxSections)
            {
                throw Fail((long)offset, $"section count {extended} exceeds the limit of {MaxSections}");
            }
            count = (int)extended;
        }
        if (namesIndex == 0xFFFF)
        {
            namesIndex = (int)ReadUInt32(first[(Class == 64 ? Elf64.SectionLink : Elf32.SectionLink)..]);
        }
        var table = Table(offset, entrySize, count, "section header table");
        var raw = new List<(uint Name, ElfSection Section)>(count);
        for (int i = 0; i < count; i++)
        {
            var e = table.Slice(i * entrySize, entrySize);
            uint name = ReadUInt32(e[(Class == 64 ? Elf64.SectionName : Elf32.SectionName)..]);
            ElfSection section = Class == 64
                ? new("", ReadUInt32(e[Elf64.SectionType..]), ReadUInt64(e[Elf64.SectionFlags..]), ReadUInt64(e[Elf64.SectionAddress..]),
                    ReadUInt64(e[Elf64.SectionOffset..]), ReadUInt64(e[Elf64.SectionSize..]))
                : new("", ReadUInt32(e[Elf32.SectionType..]), ReadUInt32(e[Elf32.SectionFlags..]), ReadUInt32(e[Elf32.SectionAddress..]),
                    ReadUInt32(e[Elf32.SectionOffset..]), ReadUInt32(e[Elf32.SectionSize..]));
            if (section.HasFileData)
            {
                CheckExtent(section.Offset, section.Size, (long)offset + i * entrySize, $"section {i}");
            }
            raw.Add((name, section));
        }

        if (namesIndex == 0)
        {
            // SHN_UNDEF: the file says it has no section-name table, so every section is unnamed.
            sections.AddRange(raw.Select(r => r.Section));
            return sections;
        }
        if (namesIndex >= raw.Count)
        {
            throw Fail((long)offset, $"the section-name string table is section {namesIndex}, but there are only {raw.Count} sections");
        }
        var strtab = raw[namesIndex].Section;
        if (!strtab.HasFileData)
        {
            throw Fail((long)offset + namesIndex * entrySize, $"the section-name string table (section {namesIndex}) has no bytes in the file");
        }
        var names = _data.Span.Slice((int)strtab.Offset, (int)strtab.Size);
        for (int i = 0; i < raw.Count; i++)
        {
            sections.Add(raw[i].Section with { Name = ReadName(names, raw[i].Name, i, (long)strtab.Offset) });
        }
        return sections;
    }

    /// <summary>
    /// A section's name: a NUL-terminated string at its offset in the table. An offset past the table or a name with
    /// no terminator is a damaged table, reported rather than read as an empty or run-on name.
    /// </summary>
    private string ReadName(ReadOnlySpan<byte> names, uint offset, int section, long tableOffset)
    {
        if (offset >= names.Length)
        {
            throw Fail(tableOffset, $"section {section}'s name starts at byte {offset} of the section-name string table, which has only {names.Length} bytes");
        }
        var rest = names[(int)offset..];
        int end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw Fail(tableOffset + offset, $"section {section}'s name runs past the end of the section-name string table (no NUL terminator)");
        }
        return Encoding.Latin1.GetString(rest[..end]);
    }

    private string? FindBuildId()
    {
        // Sections first (.note.gnu.build-id or any SHT_NOTE), then PT_NOTE segments for binaries without sections.
        foreach (var section in Sections.Where(s => s.Type == ElfSection.TypeNote))
        {
            // Sections holding notes use 4-byte alignment except .note.gnu.property, which never holds a build-id.
            var id = FindBuildIdInNotes(section.Offset, section.Size, 4);
            if (id is not null)
            {
                return id;
            }
        }
        foreach (var segment in Segments.Where(s => s.Type == ElfSegment.TypeNote))
        {
            var id = FindBuildIdInNotes(segment.Offset, segment.FileSize, segment.Align == 8 ? 8UL : 4UL);
            if (id is not null)
            {
                return id;
            }
        }
        return null;
    }

    private string? FindBuildIdInNotes(ulong offset, ulong size, ulong align)
    {
        var notes = _data.Span.Slice((int)offset, (int)size);
        int position = 0;
        for (int n = 0; n < MaxNotesPerArea && position + 12 <= notes.Length; n++)
        {
            uint nameSize = ReadUInt32(notes[position..]);
            uint descSize = ReadUInt32(notes[(position + 4)..]);
            uint type = ReadUInt32(notes[(position + 8)..]);
            ulong nameStart = (ulong)position + 12;
            ulong descStart = AlignUp(nameStart + nameSize, align);
            ulong next = AlignUp(descStart + descSize, align);
            if (descStart + descSize > (ulong)notes.Length)
            {
                return null; // a damaged note area: no build-id rather than a wrong one
            }
            const uint NtGnuBuildId = 3;
            if (type == NtGnuBuildId && nameSize == 4 && notes.Slice((int)nameStart, 4).SequenceEqual("GNU\0"u8) && descSize > 0)
            {
                return Convert.ToHexStringLower(notes.Slice((int)descStart, (int)descSize));
            }
            position = (int)Math.Min(next, (ulong)notes.Length);
        }
        return null;
    }

    private static ulong AlignUp(ulong value, ulong align) => (value + align - 1) & ~(align - 1);

    private ReadOnlySpan<byte> Table(ulong offset, int entrySize, int count, string what)
    {
        ulong length = (ulong)entrySize * (ulong)count;
        if (offset > (ulong)_data.Length || length > (ulong)_data.Length - offset)
        {
            throw Fail((long)Math.Min(offset, long.MaxValue), $"{what} ({count} entries of {entrySize} bytes at {offset}) lies past the end of the file ({_data.Length} bytes)");
        }
        return _data.Span.Slice((int)offset, (int)length);
    }

    private void CheckExtent(ulong offset, ulong size, long headerOffset, string what)
    {
        if (offset > (ulong)_data.Length || size > (ulong)_data.Length - offset)
        {
            throw Fail(headerOffset, $"{what} (bytes {offset}..{offset + size}) lies past the end of the file ({_data.Length} bytes)");
        }
    }

    private BinaryFormatException Fail(long offset, string problem) => new(_source, offset, problem);

    private static string MachineName(ushort machine, int elfClass, bool bigEndian) => machine switch
    {
        2 => elfClass == 64 ? "sparc64" : "sparc",
        3 => "x86",
        8 => elfClass == 64 ? (bigEndian ? "mips64" : "mips64el") : (bigEndian ? "mips" : "mipsel"),
        20 => bigEndian ? "ppc" : "ppcle",
        21 => bigEndian ? "ppc64" : "ppc64le",
        22 => elfClass == 64 ? "s390x" : "s390",
        40 => bigEndian ? "armeb" : "arm",
        43 => "sparc64",
        62 => "x86_64",
        183 => "aarch64",
        243 => elfClass == 64 ? "riscv64" : "riscv32",
        258 => "loongarch64",
        _ => $"unknown({machine})",
    };
}
