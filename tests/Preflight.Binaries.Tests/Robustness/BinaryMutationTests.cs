using System.Buffers.Binary;
using Preflight.Binaries;
using Xunit.Abstractions;

namespace Preflight.Binaries.Tests.Robustness;

/// <summary>
/// The mutation sweep over executables: real binaries built by testdata/binaries/make.sh (C with protoc-c
/// descriptors for arm64 and big-endian s390x, Rust, Go) damaged deterministically in the ELF header, program and
/// section headers, section name and symbol tables, notes, Go build info and the embedded descriptors, then run
/// through BinaryInspector.Inspect as the CLI does with an agent's bytes. Every case must succeed or throw exactly
/// BinaryFormatException, within a time limit and an allocation cap.
/// </summary>
public sealed class BinaryMutationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Inspect indexes the code and strings of the binary and inflates gzipped descriptors (capped by
    /// DescriptorScanner.MaxInflatedBytes): 64 MiB plus eight times the binary is far above an honest pass.
    /// </summary>
    private static long AllocationCap(long binaryLength) => (64L << 20) + 8 * binaryLength;

    public const string Headers = "elf-headers";
    public const string Tables = "elf-tables";
    public const string Descriptors = "descriptors";
    public const string Anywhere = "anywhere";

    public static TheoryData<string, string, string, int, int> Sweeps => new()
    {
        // fixture, region set, strategy, seed, cases
        { "agent-c-2.5.0-arm64", Headers, MutationPlan.Field, 801, 150 },
        { "agent-c-2.5.0-arm64", Headers, MutationPlan.Flip, 802, 100 },
        { "agent-c-2.5.0-arm64", Tables, MutationPlan.Field, 803, 80 },
        { "agent-c-2.5.0-arm64", Descriptors, MutationPlan.Flip, 804, 100 },
        { "agent-c-2.5.0-arm64", Descriptors, MutationPlan.Field, 805, 80 },
        { "agent-c-2.5.0-arm64", Headers, MutationPlan.Truncate, 806, 20 },
        { "agent-c-2.5.0-s390x", Headers, MutationPlan.Field, 811, 150 },
        { "agent-c-2.5.0-s390x", Descriptors, MutationPlan.Flip, 812, 80 },
        { "agent-c-2.5.0-s390x", Tables, MutationPlan.MultiFlip, 813, 60 },
        { "agent-rust-lite-3.5.0-amd64", Headers, MutationPlan.Field, 821, 60 },
        { "agent-rust-lite-3.5.0-amd64", Descriptors, MutationPlan.Field, 822, 40 },
        { "runtime-go-ttrpc-3.5.0-amd64-stripped", Headers, MutationPlan.Field, 831, 25 },
        { "runtime-go-ttrpc-3.5.0-amd64-stripped", Descriptors, MutationPlan.Flip, 832, 25 },
        // Cut anywhere: sections, segments, symbols and descriptors then run past the end of the file.
        { "agent-c-2.5.0-arm64", Anywhere, MutationPlan.Truncate, 841, 60 },
        { "agent-c-2.5.0-s390x", Anywhere, MutationPlan.Truncate, 842, 40 },
        { "agent-rust-lite-3.5.0-amd64", Anywhere, MutationPlan.Truncate, 843, 30 },
        { "runtime-go-ttrpc-3.5.0-amd64-stripped", Anywhere, MutationPlan.Truncate, 844, 15 },
        { "agent-c-2.5.0-arm64", Anywhere, MutationPlan.MultiFlip, 845, 60 },
    };

    [Theory]
    [MemberData(nameof(Sweeps))]
    public void Damaged_binary_is_inspected_or_rejected_with_a_binary_format_error(string fixture, string regions, string strategy, int seed, int cases)
    {
        byte[] original = File.ReadAllBytes(TestData.Generated("binaries", fixture));
        bool bigEndian = original[5] == 2;
        List<Region> where = regions switch
        {
            Headers => ElfHeaderRegions(original, bigEndian),
            Tables => ElfTableRegions(original, bigEndian),
            Anywhere => [new Region(0, original.Length)],
            _ => DescriptorRegions(original, fixture),
        };
        List<Mutation> mutations = MutationPlan.Make(original, where, strategy, seed, cases, bigEndian);
        var failures = new List<string>();
        int rejectedCount = 0;
        for (int i = 0; i < mutations.Count; i++)
        {
            byte[] damaged = mutations[i].ApplyTo(original);
            string? failure = Bounded.Run(() => InspectLikeTheCli(damaged, fixture), [typeof(BinaryFormatException)],
                CaseTimeout, AllocationCap(original.Length), out bool rejected);
            if (failure is not null)
            {
                failures.Add($"{fixture} {regions} {strategy} seed {seed} case {i} [{mutations[i]}]: {failure}");
            }
            rejectedCount += rejected ? 1 : 0;
        }
        output.WriteLine($"{fixture} {regions} {strategy} seed {seed}: {cases} mutations, {rejectedCount} rejected");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} mutations misbehaved:\n" + string.Join("\n", failures.Take(15)));
    }

    /// <summary>What ImageInspector does with an agent's bytes (with the driver-name constants the check asks for).</summary>
    internal static void InspectLikeTheCli(byte[] bytes, string source)
    {
        try
        {
            BinaryInspector.Inspect(bytes, source, ["virtio-fs", "nvdimm"]);
        }
        catch (BinaryFormatException e) when (e.File != source)
        {
            throw new InvalidOperationException($"the BinaryFormatException does not name the binary: {e.Message}", e);
        }
    }

    /// <summary>The ELF header, the program header table and the section header table.</summary>
    private static List<Region> ElfHeaderRegions(byte[] elf, bool bigEndian)
    {
        Layout layout = ReadLayout(elf, bigEndian);
        return MutationPlan.Merge(
        [
            new Region(0, 64),
            new Region(layout.ProgramHeaders, layout.ProgramHeaderCount * layout.ProgramHeaderSize),
            new Region(layout.SectionHeaders, layout.SectionHeaderCount * layout.SectionHeaderSize),
        ], elf.Length);
    }

    /// <summary>What the section headers point at that the reader parses: names, symbols, notes, Go build info.</summary>
    private static List<Region> ElfTableRegions(byte[] elf, bool bigEndian)
    {
        Layout layout = ReadLayout(elf, bigEndian);
        var regions = new List<Region>();
        for (int i = 0; i < layout.SectionHeaderCount; i++)
        {
            ReadOnlySpan<byte> header = elf.AsSpan((int)(layout.SectionHeaders + i * layout.SectionHeaderSize), layout.SectionHeaderSize);
            uint type = Read32(header[4..], bigEndian);
            long offset = (long)Read64(header[24..], bigEndian);
            long size = (long)Read64(header[32..], bigEndian);
            // SYMTAB 2, STRTAB 3, NOTE 7, DYNSYM 11: parsed structures; the start of each is what the reader trusts.
            if (type is 2 or 3 or 7 or 11)
            {
                regions.Add(new Region(offset, Math.Min(size, 2048)));
            }
        }
        int buildInfo = elf.AsSpan().IndexOf("\xff Go buildinf:"u8);
        if (buildInfo >= 0)
        {
            regions.Add(new Region(buildInfo, 64));
        }
        return MutationPlan.Merge(regions, elf.Length);
    }

    /// <summary>The first bytes of each descriptor the scanner finds in the undamaged binary (names, packages, services).</summary>
    private static List<Region> DescriptorRegions(byte[] elf, string fixture)
    {
        var regions = DescriptorScanner.Scan(elf)
            .Select(d => new Region(d.Offset, d.Encoding == "raw" ? Math.Min(d.Bytes.Length, 4096) : 512))
            .ToList();
        Assert.True(regions.Count > 0, $"{fixture} holds no descriptor; pick a fixture with one");
        return MutationPlan.Merge(regions, elf.Length);
    }

    private sealed record Layout(long ProgramHeaders, int ProgramHeaderSize, int ProgramHeaderCount, long SectionHeaders, int SectionHeaderSize, int SectionHeaderCount);

    /// <summary>ELF64 header fields (every fixture here is 64-bit): e_phoff, e_shoff and the table sizes.</summary>
    private static Layout ReadLayout(byte[] elf, bool bigEndian)
    {
        Assert.Equal(2, elf[4]);
        ReadOnlySpan<byte> span = elf;
        return new Layout(
            (long)Read64(span[0x20..], bigEndian), Read16(span[0x36..], bigEndian), Read16(span[0x38..], bigEndian),
            (long)Read64(span[0x28..], bigEndian), Read16(span[0x3A..], bigEndian), Read16(span[0x3C..], bigEndian));
    }

    private static ushort Read16(ReadOnlySpan<byte> b, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt16BigEndian(b) : BinaryPrimitives.ReadUInt16LittleEndian(b);

    private static uint Read32(ReadOnlySpan<byte> b, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

    private static ulong Read64(ReadOnlySpan<byte> b, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(b) : BinaryPrimitives.ReadUInt64LittleEndian(b);
}
