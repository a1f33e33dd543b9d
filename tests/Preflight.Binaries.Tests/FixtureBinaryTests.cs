using System.Text.Json;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// The Kata-like fixture binaries built by testdata/binaries/make.sh with the real generators (gogo, protobuf-go,
/// rust-protobuf, ttrpc, cross compilers); manifest.json says what each one embeds.
/// </summary>
public sealed class FixtureBinaryTests
{
    private static readonly Lazy<JsonElement[]> Manifest = new(() =>
        JsonDocument.Parse(File.ReadAllText(Preflight.Tests.TestData.Generated("binaries", "manifest.json")))
            .RootElement.GetProperty("binaries").EnumerateArray().ToArray());

    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Manifest.Value)
        {
            data.Add(entry.GetProperty("file").GetString()!);
        }
        return data;
    }

    private static (JsonElement Entry, BinaryFacts Facts) Inspect(string file)
    {
        var entry = Manifest.Value.Single(e => e.GetProperty("file").GetString() == file);
        return (entry, BinaryInspector.InspectFile(Preflight.Tests.TestData.Generated("binaries", file)));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void ElfIdentityMatchesTheManifest(string file)
    {
        var (entry, facts) = Inspect(file);
        string expectedMachine = entry.GetProperty("arch").GetString() switch
        {
            "amd64" => "x86_64",
            "arm64" => "aarch64",
            var other => other!,
        };
        Assert.Equal(expectedMachine, facts.Elf!.Machine);
        Assert.Equal(entry.GetProperty("endianness").GetString(), facts.Elf.Endianness);
        Assert.Equal(entry.GetProperty("stripped").GetBoolean(), facts.Elf.Stripped);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void FindsEveryDescriptorTheGeneratorEmbedded(string file)
    {
        var (entry, facts) = Inspect(file);
        foreach (var expected in entry.GetProperty("descriptors").EnumerateArray())
        {
            string name = expected.GetProperty("name").GetString()!;
            Assert.Contains(facts.Descriptors, d => d.File == name
                && d.Package == expected.GetProperty("package").GetString()
                && d.Encoding == expected.GetProperty("encoding").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void FindsEveryMethodWhenDescriptorsAreEmbedded(string file)
    {
        var (entry, facts) = Inspect(file);
        if (entry.GetProperty("descriptors").GetArrayLength() == 0)
        {
            return; // no descriptor: see MethodStringsAndTransport
        }
        var expected = entry.GetProperty("methods").EnumerateArray()
            .Select(m => m.GetProperty("service").GetString() + "/" + m.GetProperty("method").GetString())
            .Order().ToList();
        var actual = facts.Methods.Where(m => m.Evidence == "descriptor" && m.Service.StartsWith("grpc.", StringComparison.Ordinal))
            .Select(m => m.FullName).Order().ToList();
        Assert.Equal(expected, actual);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MethodsAreNeverInvented(string file)
    {
        var (entry, facts) = Inspect(file);
        if (entry.GetProperty("descriptors").GetArrayLength() == 0)
        {
            return; // strings alone can glue a neighbour onto a name: see MethodStringsRecoverMethodsWithoutDescriptors
        }
        var expected = entry.GetProperty("methods").EnumerateArray()
            .Select(m => m.GetProperty("service").GetString() + "/" + m.GetProperty("method").GetString()).ToHashSet();
        Assert.All(facts.Methods.Where(m => m.Service.StartsWith("grpc.", StringComparison.Ordinal)),
            m => Assert.Contains(m.FullName, expected));
    }

    [Fact]
    public void MethodStringsRecoverMethodsWithoutDescriptors()
    {
        var (entry, facts) = Inspect("agent-rust-lite-3.5.0-amd64");
        var expected = ManifestMethods(entry).Order().ToList();
        var found = facts.Methods.Where(m => m.Evidence == "method-strings").Select(m => m.FullName).Order().ToList();
        // rustc packed "/grpc.AgentService/SignalProcess" against "Software caused connection abort": only the lea
        // loading the path with length 32 tells where the name ends.
        Assert.Equal(expected, found);
        Assert.Contains("grpc.AgentService/SignalProcess", found);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void MethodStringsNeverGlueANeighbourOn(string file)
    {
        // The path scanner alone, whether or not descriptors would override it: every name it reads must be one the
        // binary really has (no "SignalProcessSoftware", no Go "SignalProcess28421709430404007434844970703125").
        var entry = Manifest.Value.Single(e => e.GetProperty("file").GetString() == file);
        byte[] bytes = File.ReadAllBytes(Preflight.Tests.TestData.Generated("binaries", file));
        var elf = ElfFile.Parse(bytes, file);
        var read = MethodStringScanner.Scan(bytes, elf, X86CodeIndex.Build(bytes, elf))
            .Where(m => m.Service.StartsWith("grpc.", StringComparison.Ordinal))
            .Select(m => m.Service + "/" + m.Method).ToList();
        var expected = ManifestMethods(entry).ToHashSet();
        Assert.All(read, m => Assert.Contains(m, expected));
        Assert.DoesNotContain(read, m => char.IsAsciiDigit(m[^1]));
    }

    [Fact]
    public void GoPathsGluedToDigitsAreCutByTheLoadedLength()
    {
        // Go 1.19 stores the length (mov qword [rax+0x18],0x20) just before the lea of the path.
        byte[] bytes = File.ReadAllBytes(Preflight.Tests.TestData.Generated("binaries", "agent-gogo-grpc-1.0.0-amd64"));
        var elf = ElfFile.Parse(bytes, "agent-gogo-grpc-1.0.0-amd64");
        var read = MethodStringScanner.Scan(bytes, elf, X86CodeIndex.Build(bytes, elf));
        Assert.Contains(("grpc.AgentService", "SignalProcess"), read);
        Assert.Contains(("grpc.Health", "Check"), read);
        // Without code evidence the glued path is dropped, never returned with its neighbour.
        Assert.DoesNotContain(MethodStringScanner.Scan(bytes), m => m.Method.StartsWith("SignalProcess", StringComparison.Ordinal));
    }

    public static TheoryData<string> X86GoAndRustAgents()
    {
        var data = new TheoryData<string>();
        foreach (var entry in Manifest.Value.Where(e => e.GetProperty("role").GetString() == "agent"
            && e.GetProperty("arch").GetString() == "amd64"
            && e.GetProperty("language").GetString() is "go" or "rust"))
        {
            data.Add(entry.GetProperty("file").GetString()!);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(X86GoAndRustAgents))]
    public void StorageDriversPresentExactlyWhenTheAgentHasThem(string file)
    {
        var entry = Manifest.Value.Single(e => e.GetProperty("file").GetString() == file);
        var has = entry.GetProperty("storageDrivers").EnumerateArray().Select(d => d.GetString()!).ToHashSet();
        var facts = BinaryInspector.InspectFile(Preflight.Tests.TestData.Generated("binaries", file), AllDrivers.Value);
        foreach (var constant in facts.Constants)
        {
            Assert.True(has.Contains(constant.Value) == constant.Present,
                $"{constant.Value}: Present={constant.Present} ({constant.Evidence}, {constant.Occurrences} occurrences), manifest says {has.Contains(constant.Value)}");
        }
    }

    [Fact]
    public void PackedRustDriversRestOnRelocatedStringHeaders()
    {
        // "9p" occurs 172 times (code bytes such as cmp word [rsi],0x7039, other text); the one that counts is the
        // start of the packed "9pblkephemeral..." whose address a RELATIVE relocation puts in STORAGE_DRIVERS with
        // length 2 beside it. "erofs.multi-layer" (3.29.0+) is not in a 3.5.0 agent at all.
        var facts = BinaryInspector.InspectFile(Preflight.Tests.TestData.Generated("binaries", "agent-rust-lite-3.5.0-amd64"),
            ["9p", "ephemeral", "erofs.multi-layer"]);
        var byValue = facts.Constants.ToDictionary(c => c.Value);
        Assert.Equal("relocated-string-reference", byValue["9p"].Evidence);
        Assert.True(byValue["9p"].Present);
        Assert.Equal("relocated-string-reference", byValue["ephemeral"].Evidence);
        Assert.False(byValue["erofs.multi-layer"].Present);
    }

    private static readonly Lazy<string[]> AllDrivers = new(() => File.ReadAllLines(Preflight.Tests.TestData.Path("binaries", "drivers.tsv"))
        .Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(' ', '\t')[0]).Distinct().ToArray());

    private static IEnumerable<string> ManifestMethods(JsonElement entry) =>
        entry.GetProperty("methods").EnumerateArray()
            .Select(m => m.GetProperty("service").GetString() + "/" + m.GetProperty("method").GetString());

    [Theory]
    [MemberData(nameof(Files))]
    public void TransportMatchesOrIsUnknown(string file)
    {
        var (entry, facts) = Inspect(file);
        string transport = entry.GetProperty("transport").GetString()!;
        if (entry.GetProperty("language").GetString() == "c")
        {
            // Descriptors as plain C arrays link no RPC library: no evidence, no answer.
            Assert.Equal(RpcTransport.Unknown, facts.Transport);
            Assert.Empty(facts.TransportLibraries);
            return;
        }
        Assert.Contains(transport, facts.TransportLibraries.Select(library => library.Name()));
        Assert.True(facts.Transport == RpcTransport.Unknown || facts.Transport.Name() == transport, $"transport {facts.Transport}, want {transport}");
    }
}
