using Google.Protobuf;
using Google.Protobuf.Reflection;
using Preflight.Binaries;
using Preflight.Protocol;

namespace Preflight.Tests;

public class SurfaceTests
{
    [Fact]
    public void HistoryServicesHaveTheRealRpcCounts()
    {
        int[] counts = [21, 23, 27, 32, 33, 33, 35, 37, 38, 42];
        foreach (var (version, count) in Fixtures.Versions.Zip(counts))
        {
            var surface = Fixtures.History(version);
            Assert.Equal(count, surface.Services["grpc.AgentService"].Methods.Count);
            Assert.Equal(["Check", "Version"], surface.Services["grpc.Health"].Methods.Select(m => m.Name));
        }
    }

    [Fact]
    public void RecursiveTypesTerminate()
    {
        // Walk reaches grpc.Node, which holds itself through grpc.Edge and a map: the walk ends and finds nothing.
        var comparison = CompatibilityChecker.Run(Misc("recursive"), Misc("recursive"), CompatibilityOptions.Default);
        Assert.Empty(comparison.Findings);
        Assert.True(comparison.Coverage.MethodsCompared > 0);
    }

    [Fact]
    public void GarbageDescriptorSetIsAFormatError()
    {
        var error = Assert.Throws<ProtocolFormatException>(() => ProtocolSurface.FromDescriptorSet(new byte[] { 0x0a, 0xff, 0xff, 0x01 }, source: "x.binpb"));
        Assert.StartsWith("x.binpb:", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pkg/types/types.proto", "types.proto")]
    [InlineData("github.com/kata-containers/kata-containers/src/libs/protocols/protos/agent.proto", "agent.proto")]
    [InlineData("agent.proto", "agent.proto")]
    [InlineData("google/protobuf/empty.proto", "google/protobuf/empty.proto")]
    public void FileNamesAreNormalized(string name, string expected)
    {
        Assert.Equal(expected, ProtocolSurface.NormalizeFileName(name));
    }

    [Fact]
    public void FactsWithLongFileNamesCompareEqualToShortOnes()
    {
        // Kata's Go runtime registers agent.proto under a long github.com path and types.proto as pkg/types/types.proto.
        var files = HistoryFiles("2.2.0");
        foreach (var file in files)
        {
            file.Name = Rename(file.Name);
            for (int i = 0; i < file.Dependency.Count; i++)
            {
                file.Dependency[i] = Rename(file.Dependency[i]);
            }
        }
        var runtime = ProtocolSurface.FromFacts(Facts(files, [], RpcTransport.Ttrpc, []));
        Assert.Contains(runtime.Files, f => f.Name == "types.proto");
        Assert.Contains(runtime.Files, f => f.Name == "agent.proto");
        Assert.Equal(RpcTransport.Ttrpc, runtime.Transport);
        Assert.Empty(CompatibilityChecker.Compare(runtime, Fixtures.History("2.2.0", withTransport: true), CompatibilityOptions.Default));

        static string Rename(string name) => name switch
        {
            "types.proto" => "pkg/types/types.proto",
            "agent.proto" => "github.com/kata-containers/kata-containers/src/agent/protocols/protos/agent.proto",
            _ => name,
        };
    }

    [Fact]
    public void MethodStringsOnlyRunMethodRulesAndSayFieldsAreUnverified()
    {
        // A 3.5 agent without descriptors: only its ttrpc registration strings name the methods.
        var known = Fixtures.History("3.5.0").Services.Values.SelectMany(s => s.Methods)
            .Select(m => new MethodEvidence(m.Service, m.Name, MethodSource.MethodString)).ToList();
        var agent = ProtocolSurface.FromFacts(Facts([], known, RpcTransport.Ttrpc, []));
        Assert.False(agent.HasDescriptors);
        var findings = CompatibilityChecker.Compare(Fixtures.History("3.30.0", withTransport: true), agent, CompatibilityOptions.Default);
        // Strings name methods; they do not prove the others absent (no path bytes were scanned here).
        HistoryTests.AssertHas(findings, "RPCS_UNVERIFIED", Severity.Warn, "grpc.AgentService");
        Assert.DoesNotContain(findings, f => f.Rule == "RPC_MISSING");
        HistoryTests.AssertHas(findings, "FIELDS_UNVERIFIED", Severity.Warn, "grpc.AgentService");
        HistoryTests.AssertHas(findings, "FIELDS_UNVERIFIED", Severity.Warn, "grpc.Health");
        Assert.DoesNotContain(findings, f => f.Rule.StartsWith("FIELD_", StringComparison.Ordinal));
    }

    [Fact]
    public void NoProtocolFactsAtAllIsUnverifiedNotPass()
    {
        var blank = ProtocolSurface.FromFacts(Facts([], [], RpcTransport.Unknown, []));
        var findings = CompatibilityChecker.Compare(Fixtures.History("3.30.0"), blank, CompatibilityOptions.Default);
        Assert.Equal(["PROTOCOL_UNVERIFIED"], findings.Select(f => f.Rule));
        Assert.Equal("agent", findings[0].Subject);
        Assert.Equal(Verdict.Warn, VerdictCalculator.From(findings));
    }

    [Fact]
    public void DriverUnknownToAgentRestsOnConstantEvidenceFromBothSides()
    {
        var runtime = ProtocolSurface.FromFacts(Facts(HistoryFiles("1.1.0"), [], RpcTransport.Grpc,
            [new("ephemeral", true, 2, "nul-terminated"), new("9p", true, 1, "nul-terminated"), new("virtio-fs", true, 1, "nul-terminated")]));
        // The 1.0.0 agent: "ephemeral" only inside an unrelated string; "virtio-fs" not asked about.
        var agent = ProtocolSurface.FromFacts(Facts(HistoryFiles("1.0.0"), [], RpcTransport.Grpc,
            [new("ephemeral", false, 1, "substring-only"), new("9p", true, 1, "nul-terminated")]));
        var findings = CompatibilityChecker.Compare(runtime, agent, CompatibilityOptions.Default).Where(f => f.Rule == "DRIVER_UNKNOWN_TO_AGENT").ToList();
        var finding = Assert.Single(findings);
        Assert.Equal("ephemeral", finding.Subject);
        Assert.Equal(Severity.Warn, finding.Severity);
        Assert.Contains("substring-only", finding.Message, StringComparison.Ordinal);
        Assert.Contains("nul-terminated", finding.Message, StringComparison.Ordinal);
        Assert.Contains("ephemeral", CompatibilityOptions.Default.ConstantValues);
    }

    [Fact]
    public void OnlyExpectedServicesAreCompared()
    {
        var options = CompatibilityOptions.Default with { ExpectedServices = new HashSet<string> { "grpc.Health" } };
        Assert.Empty(CompatibilityChecker.Compare(Fixtures.History("3.30.0"), Fixtures.History("1.0.0"), options));
    }

    internal static List<FileDescriptorProto> HistoryFiles(string version) =>
        FileDescriptorSet.Parser.ParseFrom(Fixtures.HistoryBytes(version)).File.ToList();

    internal static ProtocolSurface Misc(string name) =>
        ProtocolSurface.FromDescriptorSet(File.ReadAllBytes(TestData.Generated("protocols", "misc", name + ".binpb")));

    private static BinaryFacts Facts(
        IEnumerable<FileDescriptorProto> files, IReadOnlyList<MethodEvidence> methods, RpcTransport transport, IReadOnlyList<ConstantEvidence> constants)
    {
        var descriptors = files.Select((f, i) => new EmbeddedDescriptor(
            f.Name, f.Package, f.Service.Select(s => s.Name).ToList(),
            f.Service.SelectMany(s => s.Method.Select(m => (s.Name, m.Name))).ToList(), "raw", i * 1000L, f.ToByteArray())).ToList();
        return new BinaryFacts("test-binary", 0, "", null, descriptors, methods, transport, null, null, constants);
    }
}
