using System.Buffers.Binary;
using System.Text.Json;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// Issue 14: a file is memory-mapped and read in windows, text and descriptors only in the allocated data sections.
/// These hold that path to the facts a read of the whole file gives: the mapped file against the same bytes in one
/// array, the windowed scan against the whole-file scanners, and the whole-file fallback for a file whose section
/// headers are gone.
/// </summary>
public sealed class WindowedReadingTests
{
    private static readonly string[] Constants =
    [
        "9p", "blk", "scsi", "ephemeral", "mmioblk", "virtio-fs", "local", "blk-ccw", "nvdimm", "watchable-bind", "overlayfs",
        "image_guest_pull", "erofs.multi-layer", "vfio", "vfio-gk", "vfio-pci", "vfio-pci-gk", "vfio-ap", "vfio-ap-cold", "ttrpc",
    ];

    public static TheoryData<string> Binaries => new()
    {
        Preflight.Tests.TestData.Generated("real-binaries", "containerd"), // Go, 48 MB: 46 windows, gzipped descriptors
        Preflight.Tests.TestData.Generated("real-builds", "agent-3.32.0-nopolicy"), // Rust, built the way Kata builds it
        Preflight.Tests.TestData.Generated("binaries", "agent-c-2.5.0-s390x"), // big-endian, raw descriptors
    };

    [Theory]
    [MemberData(nameof(Binaries))]
    public void MappedFileGivesTheFactsOfTheSameBytesInMemory(string path)
    {
        BinaryFacts mapped = BinaryInspector.InspectFile(path, Constants);
        BinaryFacts inMemory = BinaryInspector.Inspect(File.ReadAllBytes(path), path, Constants);

        Assert.Equal(Json(inMemory), Json(mapped));
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path))), mapped.Sha256);
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void WithoutTheHashTheFactsAreTheSameLessTheHash(string path)
    {
        // check's text report shows no hashes and asks for none: nothing else may change.
        BinaryFacts hashed = BinaryInspector.InspectFile(path, Constants);
        BinaryFacts unhashed = BinaryInspector.InspectFile(path, Constants, hash: false);

        Assert.NotNull(hashed.Sha256);
        Assert.Null(unhashed.Sha256);
        Assert.Equal(Json(hashed with { Sha256 = null }), Json(unhashed));
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void WindowedScanFindsWhatTheWholeFileScannersFind(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        BinaryFacts facts = BinaryInspector.InspectFile(path, Constants);
        var elf = ElfFile.Parse(bytes, path);
        var code = X86CodeIndex.Build(bytes, elf);

        var wholeDescriptors = DescriptorScanner.Scan(bytes);
        Assert.Equal(
            wholeDescriptors.Select(d => (d.File, d.Offset, Convert.ToHexString(d.Bytes))),
            facts.Descriptors.Select(d => (d.File, d.Offset, Convert.ToHexString(d.Bytes))));

        var wholeRuns = new List<MethodPathRun>();
        var wholeMethods = MethodStringScanner.Scan(bytes, elf, code, wholeRuns);
        Assert.True(wholeDescriptors.Count + wholeRuns.Count > 0, $"{path} holds neither descriptors nor method paths; pick another binary");
        Assert.Equal(wholeRuns, facts.MethodPaths);
        var described = facts.Descriptors.SelectMany(d => d.Services).ToHashSet();
        Assert.Equal(
            wholeMethods.Where(m => !described.Contains(m.Service)).Select(m => $"{m.Service}/{m.Method}"),
            facts.Methods.Where(m => m.Source == MethodSource.MethodString).Select(m => m.FullName));

        // Occurrences are counted in the data sections only (bytes inside code are not constants), so they may be
        // fewer; what the evidence proves must not change.
        var whole = ConstantScanner.Scan(bytes, elf, Constants);
        foreach (var (wholeConstant, windowed) in whole.Zip(facts.Constants))
        {
            Assert.Equal((wholeConstant.Value, wholeConstant.Present, wholeConstant.Evidence), (windowed.Value, windowed.Present, windowed.Evidence));
            Assert.InRange(windowed.Occurrences, wholeConstant.Present ? 1 : 0, wholeConstant.Occurrences);
        }
    }

    [Fact]
    public void TheLoadersTablesAndGosLineTableAreNotReadForText()
    {
        // Debian's containerd is linked for plugins: 9 MB of dynamic symbols, hashes and versions, and Go's 12 MB
        // line table, hold names of functions, never a string the program uses.
        string path = Preflight.Tests.TestData.Generated("real-binaries", "containerd");
        byte[] bytes = File.ReadAllBytes(path);
        var elf = ElfFile.Parse(bytes, path);
        var ranges = BinaryInspector.DataRanges(elf);

        foreach (string name in new[] { ".dynsym", ".dynstr", ".gnu.hash", ".gnu.version", ".gopclntab" })
        {
            var section = elf.FindSection(name)!;
            Assert.DoesNotContain(ranges, r => r.Start < (long)(section.Offset + section.Size) && (long)section.Offset < r.End);
        }
        foreach (string name in new[] { ".rodata", ".data", ".noptrdata", ".go.buildinfo" })
        {
            var section = elf.FindSection(name)!;
            Assert.Contains(ranges, r => r.Start <= (long)section.Offset && (long)(section.Offset + section.Size) <= r.End);
        }

        // "runtime.main" is a NUL-terminated name in both tables; as a constant it is only a substring of the
        // program's text, and the Go libraries still show through the line table's function names.
        BinaryFacts facts = BinaryInspector.InspectFile(path, ["runtime.main"]);
        var whole = ConstantScanner.Scan(bytes, elf, ["runtime.main"]);
        Assert.Equal("nul-terminated", whole.Single().Evidence);
        Assert.False(facts.Constants.Single().Present, facts.Constants.Single().Evidence);
        Assert.Equal([RpcTransport.Grpc, RpcTransport.Ttrpc], facts.TransportLibraries);
    }

    [Fact]
    public void WithoutSectionHeadersTheWholeFileIsRead()
    {
        // `sstrip`-like damage: the section header table is gone, so the data sections cannot be told apart and
        // every reader falls back to the whole file. Everything but the symbol table must still be found.
        string path = Preflight.Tests.TestData.Generated("binaries", "runtime-go-ttrpc-3.5.0-amd64");
        byte[] bytes = File.ReadAllBytes(path);
        BinaryFacts withSections = BinaryInspector.Inspect(bytes, path, Constants);
        byte[] cut = (byte[])bytes.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(cut.AsSpan(40), 0); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(cut.AsSpan(60), 0); // e_shnum
        BinaryPrimitives.WriteUInt16LittleEndian(cut.AsSpan(62), 0); // e_shstrndx

        BinaryFacts withoutSections = BinaryInspector.Inspect(cut, path, Constants);

        Assert.Empty(ElfFile.Parse(cut, path).Sections);
        Assert.NotNull(withSections.Go);
        Assert.Equal(Json(withSections.Go), Json(withoutSections.Go));
        Assert.NotEmpty(withSections.Descriptors);
        Assert.Equal(withSections.Descriptors.Select(d => (d.File, d.Offset)), withoutSections.Descriptors.Select(d => (d.File, d.Offset)));
        Assert.NotEmpty(withSections.Methods);
        Assert.Equal(withSections.Methods, withoutSections.Methods);
        Assert.Equal(withSections.TransportLibraries, withoutSections.TransportLibraries);
        // String headers are found through the data sections, so that evidence goes with them; the bytes stay.
        Assert.All(withSections.Constants.Zip(withoutSections.Constants), pair => Assert.True(pair.Second.Occurrences >= pair.First.Occurrences));
    }

    private static string Json<T>(T value) => JsonSerializer.Serialize(value);
}
