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
        var expected = entry.GetProperty("methods").EnumerateArray()
            .Select(m => m.GetProperty("service").GetString() + "/" + m.GetProperty("method").GetString()).ToList();
        var found = facts.Methods.Where(m => m.Evidence == "method-strings").Select(m => m.FullName).ToHashSet();
        // rustc packed "SignalProcess" against "Software ...": the path runs on into its neighbour, so that one
        // comes out as "SignalProcessSoftware" (a known weakness). Every other method is recovered.
        Assert.DoesNotContain(expected, m => m != "grpc.AgentService/SignalProcess" && !found.Contains(m));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void TransportMatchesOrIsUnknown(string file)
    {
        var (entry, facts) = Inspect(file);
        string transport = entry.GetProperty("transport").GetString()!;
        if (entry.GetProperty("language").GetString() == "c")
        {
            // Descriptors as plain C arrays link no RPC library: no evidence, no answer.
            Assert.Null(facts.Transport);
            Assert.Empty(facts.TransportLibraries);
            return;
        }
        Assert.Contains(transport, facts.TransportLibraries);
        Assert.True(facts.Transport is null || facts.Transport == transport, $"transport {facts.Transport}, want {transport}");
    }
}
