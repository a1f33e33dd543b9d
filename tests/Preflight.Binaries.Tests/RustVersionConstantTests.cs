using System.Buffers.Binary;
using System.Text.Json;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// The Rust fixture agents carry version.rs filled in by make.sh the way Kata's Makefile fills version.rs.in; the
/// version, commit and API version they print (manifest "versionOutput", captured by running each binary) must be
/// read back from their (pointer, length) string headers, and binaries without such constants must say "unknown".
/// </summary>
public class RustVersionConstantTests
{
    private static readonly Lazy<JsonElement[]> Manifest = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestData.Generated("binaries", "manifest.json")))
            .RootElement.GetProperty("binaries").EnumerateArray().ToArray());

    private static JsonElement Entry(string file) => Manifest.Value.Single(e => e.GetProperty("file").GetString() == file);

    public static TheoryData<string> BinariesIn(string language)
    {
        var data = new TheoryData<string>();
        foreach (var entry in Manifest.Value.Where(e => e.GetProperty("language").GetString() == language))
        {
            data.Add(entry.GetProperty("file").GetString()!);
        }
        return data;
    }

    /// <summary>The Rust agents; runtime-rs prints another `--version` line (see RuntimeRsFixtureTests).</summary>
    public static TheoryData<string> RustAgents()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Manifest.Value.Where(e => e.GetProperty("language").GetString() == "rust"
            && e.GetProperty("role").GetString() == "agent"))
        {
            data.Add(entry.GetProperty("file").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RustAgents))]
    public void RustAgentsYieldTheirVersionConstants(string file)
    {
        var entry = Entry(file);
        // "<name> version <AGENT_VERSION> (api version: <API_VERSION>, commit version: <VERSION_COMMIT>, type: rust)"
        string output = entry.GetProperty("versionOutput").GetString()!;
        string name = output[..output.IndexOf(' ')];
        string api = Between(output, "(api version: ", ",");
        string versionCommit = Between(output, "commit version: ", ",");
        string version = entry.GetProperty("version").GetString()!;
        string commit = entry.GetProperty("commit").GetString()!;
        Assert.Equal($"{version}-{commit}", versionCommit);

        BinaryFacts facts = BinaryInspector.InspectFile(TestData.Generated("binaries", file));

        Assert.NotNull(facts.Version);
        Assert.Equal("rust-str-pair", facts.Version.Evidence);
        Assert.Equal(version, facts.Version.Version);
        Assert.Equal(commit, facts.Version.Commit);
        Assert.Equal(api, facts.Version.ApiVersion);
        Assert.Equal(name, facts.Version.Program);
    }

    [Theory]
    [MemberData(nameof(BinariesIn), "c")]
    public void CStandInsKeepNulTerminatedArraysAndGetNoVersion(string file)
    {
        // The C stand-ins print the same --version line, but from char arrays: no (pointer, length) header refers to
        // them, so there is no evidence of where a value ends, and the answer stays unknown.
        Assert.Null(BinaryInspector.InspectFile(TestData.Generated("binaries", file)).Version);
    }

    [Fact]
    public void RustProgramWithoutVersionConstantsHasNoVersion()
    {
        // make.sh builds protoc-gen-rust (rust-protobuf's codegen, Rust, PIE) as a tool: no version.rs, no pair.
        string path = TestData.Generated("binaries", "tools", "protoc-gen-rust");
        BinaryFacts facts = BinaryInspector.InspectFile(path);
        Assert.Null(facts.Go);
        Assert.Null(facts.Version);
    }

    /// <summary>Unstripped Go binaries built for other architectures, with the value of their main.version string.</summary>
    public static TheoryData<string, string> GoBinariesOffX86()
    {
        var data = new TheoryData<string, string>();
        foreach (var entry in Manifest.Value.Where(e => e.GetProperty("language").GetString() == "go"
            && e.GetProperty("arch").GetString() != "amd64" && !e.GetProperty("stripped").GetBoolean()))
        {
            string version = entry.GetProperty("version").GetString()!;
            // The 1.x Go agent stamps "<VERSION>-<commit>" into main.version (see GoVersionVariableTests).
            string value = entry.GetProperty("role").GetString() == "agent"
                ? version + "-" + entry.GetProperty("commit").GetString()
                : version;
            data.Add(entry.GetProperty("file").GetString()!, value);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(GoBinariesOffX86))]
    public void HeadersAreReadInTheBinarysOwnByteOrderAndWordSize(string file, string value)
    {
        // No Rust fixture exists off x86_64 (the toolchain here targets only x86_64). Go strings are the same (pointer,
        // length) header with the address in place, as in a non-PIE or RELR Rust binary: the header scan must find
        // them in big-endian s390x, arm64 and ppc64le binaries too, not only through x86_64 RELA relocations.
        byte[] bytes = File.ReadAllBytes(TestData.Generated("binaries", file));
        var elf = ElfFile.Parse(bytes, file);
        Assert.Contains(Headers(elf, bytes), h => h.Value == value);
    }

    [Fact]
    public void VersionWithoutItsOwnHeaderGivesNull()
    {
        // Drop AGENT_VERSION's header (length word zeroed): "3.2.0-<sha>" alone could be any string, so no pair.
        var (bytes, elf) = Load("agent-rust-3.2.0-amd64");
        var version = Headers(elf, bytes).Single(h => h.Value == "3.2.0");
        WriteLengthOf(elf, bytes, version.Slot, 0);
        Assert.Null(ReadVersion(elf, bytes));
    }

    [Fact]
    public void TwoDifferentPairsAreAmbiguousAndGiveNull()
    {
        // Point the API version's header (the one between the version's and the commit version's) at the commit
        // version's bytes, one byte short: "3.2.0-<39 hex digits>" is a second, different (version, commit) pair.
        var (bytes, elf) = Load("agent-rust-3.2.0-amd64");
        var headers = Headers(elf, bytes);
        var commit = headers.Single(h => h.Value.StartsWith("3.2.0-", StringComparison.Ordinal));
        ulong api = commit.Slot - 16;
        Assert.Equal("0.0.1", headers.Single(h => h.Slot == api).Value);
        Assert.NotNull(ReadVersion(elf, bytes));
        CopyHeader(elf, bytes, from: commit.Slot, to: api, length: commit.Value.Length - 1);
        Assert.Null(ReadVersion(elf, bytes));
    }

    [Fact]
    public void DamagedHeadersAndShortDataStayBounded()
    {
        var (bytes, elf) = Load("agent-rust-3.2.0-amd64");
        var expected = ReadVersion(elf, bytes);
        Assert.NotNull(expected);
        // The ELF headers describe the whole file; the data handed in may be shorter. Every read is checked against
        // the data, so the answer is either the full one (headers and targets still inside) or null.
        foreach (int length in new[] { 0, 64, 4096, bytes.Length / 4, bytes.Length / 2, bytes.Length - 1 })
        {
            var read = ReadVersion(elf, bytes.AsSpan(0, length));
            Assert.True(read is null || read == expected, $"{length} bytes: {read}");
        }
        // Headers pointing far outside the file, or with huge lengths, are skipped.
        var headers = Headers(elf, bytes);
        foreach (var (slot, _) in headers)
        {
            WriteLengthOf(elf, bytes, slot, ulong.MaxValue);
        }
        Assert.Null(ReadVersion(elf, bytes));
    }

    /// <summary>The reader as BinaryInspector drives it: over one string-header index of the (possibly cut) data.</summary>
    private static VersionFacts? ReadVersion(ElfFile elf, ReadOnlySpan<byte> data) =>
        RustStrConstants.ReadVersion(StringHeaderIndex.Build(data, elf), data);

    private static List<(ulong Slot, string Value)> Headers(ElfFile elf, ReadOnlySpan<byte> data) =>
        RustStrConstants.VersionLikeHeaders(StringHeaderIndex.Build(data, elf), data);

    private static (byte[] Bytes, ElfFile Elf) Load(string file)
    {
        byte[] bytes = File.ReadAllBytes(TestData.Generated("binaries", file));
        return (bytes, ElfFile.Parse(bytes, file));
    }

    private static void WriteLengthOf(ElfFile elf, byte[] bytes, ulong slot, ulong length)
    {
        Assert.True(elf.TryMapAddress(slot + 8, 8, out long offset));
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)offset, 8), length);
    }

    /// <summary>Points the header at <paramref name="to"/> where the one at <paramref name="from"/> points (x86_64 RELA).</summary>
    private static void CopyHeader(ElfFile elf, byte[] bytes, ulong from, ulong to, int length)
    {
        var rela = elf.FindSection(".rela.dyn")!;
        int fromEntry = -1, toEntry = -1;
        for (int at = (int)rela.Offset; at + 24 <= (int)(rela.Offset + rela.Size); at += 24)
        {
            ulong slot = BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at, 8));
            fromEntry = slot == from ? at : fromEntry;
            toEntry = slot == to ? at : toEntry;
        }
        Assert.True(fromEntry >= 0 && toEntry >= 0);
        bytes.AsSpan(fromEntry + 16, 8).CopyTo(bytes.AsSpan(toEntry + 16, 8));
        WriteLengthOf(elf, bytes, to, (ulong)length);
    }

    private static string Between(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return text[from..text.IndexOf(end, from, StringComparison.Ordinal)];
    }
}
