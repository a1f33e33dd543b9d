using System.Buffers.Binary;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// Issue 12: a damaged section-name string table is refused with a BinaryFormatException that names the file and
/// what is wrong, never read as empty or run-on names (a section then silently loses its meaning: .go.buildinfo,
/// .symtab, .rodata). Each case damages one field of a real binary built by testdata/binaries/make.sh, in memory,
/// the way the mutation sweep does.
/// </summary>
public sealed class StrictStringTableTests
{
    private const string Fixture = "agent-rust-lite-3.5.0-amd64";

    // Elf64_Ehdr and Elf64_Shdr fields (the fixture is a little-endian ELF64).
    private const int SectionHeaderOffset = 40, SectionCount = 60, SectionNamesIndex = 62;
    private const int SectionName = 0, SectionType = 4, SectionOffsetField = 24, SectionSize = 32, SectionEntry = 64;

    [Fact]
    public void TheUndamagedFixtureHasNamedSections()
    {
        var elf = ElfFile.Parse(Original(), Fixture);
        Assert.Contains(elf.Sections, s => s.Name == ".rodata");
        Assert.Contains(elf.Sections, s => s.Name == ".shstrtab");
    }

    [Fact]
    public void NamesTableIndexPastTheSectionsIsRefused()
    {
        byte[] bytes = Original();
        int count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(SectionCount));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(SectionNamesIndex), (ushort)(count + 3));
        AssertRefused(bytes, $"the section-name string table is section {count + 3}, but there are only {count} sections");
    }

    [Fact]
    public void NamesTableWithoutBytesIsRefused()
    {
        byte[] bytes = Original();
        SectionField(bytes, NamesIndex(bytes), SectionType, 4, 8); // SHT_NOBITS
        AssertRefused(bytes, "has no bytes in the file");
    }

    [Fact]
    public void NameOffsetPastTheTableIsRefused()
    {
        byte[] bytes = Original();
        long tableSize = ReadSectionField(bytes, NamesIndex(bytes), SectionSize, 8);
        SectionField(bytes, 1, SectionName, 4, (ulong)tableSize + 10);
        AssertRefused(bytes, $"section 1's name starts at byte {tableSize + 10} of the section-name string table, which has only {tableSize} bytes");
    }

    [Fact]
    public void NameWithoutTerminatorIsRefused()
    {
        byte[] bytes = Original();
        int names = NamesIndex(bytes);
        long tableOffset = ReadSectionField(bytes, names, SectionOffsetField, 8);
        long tableSize = ReadSectionField(bytes, names, SectionSize, 8);
        // Section 1's name becomes the table's last byte, and that byte (the final NUL) a letter.
        SectionField(bytes, 1, SectionName, 4, (ulong)tableSize - 1);
        bytes[tableOffset + tableSize - 1] = (byte)'x';
        AssertRefused(bytes, "section 1's name runs past the end of the section-name string table (no NUL terminator)");
    }

    private static void AssertRefused(byte[] bytes, string problem)
    {
        var error = Assert.Throws<BinaryFormatException>(() => BinaryInspector.Inspect(bytes, Fixture));
        Assert.Equal(Fixture, error.File);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Original() => File.ReadAllBytes(Preflight.Tests.TestData.Generated("binaries", Fixture));

    private static int NamesIndex(byte[] bytes) => BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(SectionNamesIndex));

    private static int EntryOffset(byte[] bytes, int section) =>
        (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(SectionHeaderOffset)) + section * SectionEntry;

    private static long ReadSectionField(byte[] bytes, int section, int field, int size)
    {
        var at = bytes.AsSpan(EntryOffset(bytes, section) + field);
        return size == 8 ? (long)BinaryPrimitives.ReadUInt64LittleEndian(at) : BinaryPrimitives.ReadUInt32LittleEndian(at);
    }

    private static void SectionField(byte[] bytes, int section, int field, int size, ulong value)
    {
        var at = bytes.AsSpan(EntryOffset(bytes, section) + field);
        if (size == 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(at, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)value);
        }
    }
}
