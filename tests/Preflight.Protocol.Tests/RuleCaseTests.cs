using Preflight.Binaries;
using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>
/// Each rule's own case (testdata/protocols/cases/RULE/{runtime,agent}), compared both ways: forward with the
/// runtime file as runtime, reverse with the files swapped. Each direction lists every finding expected, so a rule
/// that fires where it should not fails too.
/// </summary>
public class RuleCaseTests
{
    public static TheoryData<string, string, string> Cases() => new()
    {
        // rule, forward findings, reverse findings ("SEVERITY RULE subject" separated by "|")
        // A descriptor set that leaves a service out does not prove the agent lacks it (health.proto is often left
        // out): unverified. The proven case (an agent registering paths, none of that service) is in RealBuildTests.
        { "SERVICE_MISSING", "Warn SERVICE_UNVERIFIED grpc.AgentService", "Warn SERVICE_MISSING grpc.AgentService" },
        // ReadStdout is not among the RPCs required.tsv finds on every sandbox of an unknown runtime: a warning.
        { "RPC_MISSING", "Warn RPC_MISSING grpc.AgentService.PauseContainer|Warn RPC_MISSING grpc.AgentService.ReadStdout", "" },
        { "RPC_STREAMING_CHANGED", "Block RPC_STREAMING_CHANGED grpc.AgentService.ReadStdout", "Block RPC_STREAMING_CHANGED grpc.AgentService.ReadStdout" },
        {
            "RPC_REQUEST_CHANGED",
            "Block RPC_REQUEST_CHANGED grpc.AgentService.SignalProcess|Block FIELD_WIRE_TYPE_CHANGED grpc.SignalProcessRequest.container_id|Block FIELD_WIRE_TYPE_CHANGED grpc.SignalProcessRequest.signal",
            "Block RPC_REQUEST_CHANGED grpc.AgentService.SignalProcess|Block FIELD_WIRE_TYPE_CHANGED grpc.KillRequest.pids|Block FIELD_WIRE_TYPE_CHANGED grpc.KillRequest.signal_name"
        },
        {
            "RPC_RESPONSE_CHANGED",
            "Block RPC_RESPONSE_CHANGED grpc.AgentService.WaitProcess|Block FIELD_WIRE_TYPE_CHANGED grpc.WaitProcessResponse.status",
            "Block RPC_RESPONSE_CHANGED grpc.AgentService.WaitProcess|Block FIELD_WIRE_TYPE_CHANGED grpc.ExitReport.status"
        },
        { "FIELD_WIRE_TYPE_CHANGED", "Block FIELD_WIRE_TYPE_CHANGED grpc.CreateContainerRequest.agent_pidns", "Block FIELD_WIRE_TYPE_CHANGED grpc.CreateContainerRequest.shared_mounts" },
        { "FIELD_SIGNEDNESS_CHANGED", "Warn FIELD_SIGNEDNESS_CHANGED grpc.CreateContainerRequest.oom_score_adj", "Warn FIELD_SIGNEDNESS_CHANGED grpc.CreateContainerRequest.oom_score_adj" },
        { "FIELD_ZIGZAG_CHANGED", "Block FIELD_ZIGZAG_CHANGED grpc.CreateContainerRequest.oom_score_adj", "Block FIELD_ZIGZAG_CHANGED grpc.CreateContainerRequest.oom_score_adj" },
        { "FIELD_WIDTH_CHANGED", "Warn FIELD_WIDTH_CHANGED grpc.CreateContainerRequest.memory_limit", "Info FIELD_WIDTH_CHANGED grpc.CreateContainerRequest.memory_limit" },
        { "FIELD_BOOL_INTEGER_CHANGED", "Warn FIELD_BOOL_INTEGER_CHANGED grpc.CreateContainerRequest.sandbox_pidns", "Warn FIELD_BOOL_INTEGER_CHANGED grpc.CreateContainerRequest.sandbox_pidns" },
        { "FIELD_ENUM_INTEGER_CHANGED", "Info FIELD_ENUM_INTEGER_CHANGED grpc.CreateContainerRequest.policy", "Info FIELD_ENUM_INTEGER_CHANGED grpc.CreateContainerRequest.policy" },
        { "FIELD_FLOAT_INTEGER_CHANGED", "Block FIELD_FLOAT_INTEGER_CHANGED grpc.CreateContainerRequest.cpu_quota", "Block FIELD_FLOAT_INTEGER_CHANGED grpc.CreateContainerRequest.cpu_quota" },
        { "FIELD_STRING_BYTES_CHANGED", "Warn FIELD_STRING_BYTES_CHANGED grpc.CreateContainerRequest.hostname", "Info FIELD_STRING_BYTES_CHANGED grpc.CreateContainerRequest.hostname" },
        { "FIELD_MESSAGE_BYTES_CHANGED", "Warn FIELD_MESSAGE_BYTES_CHANGED grpc.CreateContainerRequest.OCI", "Block FIELD_MESSAGE_BYTES_CHANGED grpc.CreateContainerRequest.OCI" },
        {
            "FIELD_MESSAGE_TYPE_CHANGED",
            "Block FIELD_MESSAGE_TYPE_CHANGED grpc.CreateContainerRequest.mount|Block FIELD_WIRE_TYPE_CHANGED grpc.Mount.destination",
            "Block FIELD_MESSAGE_TYPE_CHANGED grpc.CreateContainerRequest.mount|Block FIELD_WIRE_TYPE_CHANGED grpc.Volume.size"
        },
        { "FIELD_CARDINALITY_CHANGED", "Warn FIELD_CARDINALITY_CHANGED grpc.CreateContainerRequest.dns", "Info FIELD_CARDINALITY_CHANGED grpc.CreateContainerRequest.dns" },
        { "FIELD_PACKING_CHANGED", "Info FIELD_PACKING_CHANGED grpc.CreateContainerRequest.pci_path", "Info FIELD_PACKING_CHANGED grpc.CreateContainerRequest.pci_path" },
        {
            "FIELD_UNKNOWN_TO_RECEIVER",
            "Warn FIELD_UNKNOWN_TO_RECEIVER grpc.ExecProcessRequest.stdin_port|Info FIELD_UNKNOWN_TO_RECEIVER grpc.ExecProcessResponse.cgroup_path",
            ""
        },
        { "FIELD_RENAMED", "Info FIELD_RENAMED grpc.CreateContainerRequest.pciAddr", "Info FIELD_RENAMED grpc.CreateContainerRequest.pciPath" },
        { "ENUM_VALUE_UNKNOWN_TO_RECEIVER", "Warn ENUM_VALUE_UNKNOWN_TO_RECEIVER grpc.IPFamily.dual", "" },
        { "ENUM_VALUE_RENAMED", "Info ENUM_VALUE_RENAMED grpc.IPFamily.v4|Info ENUM_VALUE_RENAMED grpc.IPFamily.v6", "Info ENUM_VALUE_RENAMED grpc.IPFamily.INET|Info ENUM_VALUE_RENAMED grpc.IPFamily.INET6" },
        { "TRANSPORT_MISMATCH", "", "" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void CaseGivesExactlyItsFindingsBothWays(string rule, string forward, string reverse)
    {
        var runtime = Fixtures.Case(rule, "runtime");
        var agent = Fixtures.Case(rule, "agent");
        Assert.Equal(Split(forward), Summaries(CompatibilityChecker.Compare(runtime, agent, CompatibilityOptions.Default)));
        Assert.Equal(Split(reverse), Summaries(CompatibilityChecker.Compare(agent, runtime, CompatibilityOptions.Default)));
    }

    [Fact]
    public void TransportMismatchBlocksWhateverTheSchemas()
    {
        var grpc = Fixtures.Case("TRANSPORT_MISMATCH", "runtime").WithTransport(RpcTransport.Grpc);
        var ttrpc = Fixtures.Case("TRANSPORT_MISMATCH", "agent").WithTransport(RpcTransport.Ttrpc);
        Assert.Equal(["Block TRANSPORT_MISMATCH transport"], Summaries(CompatibilityChecker.Compare(grpc, ttrpc, CompatibilityOptions.Default)));
        Assert.Equal(["Block TRANSPORT_MISMATCH transport"], Summaries(CompatibilityChecker.Compare(ttrpc, grpc, CompatibilityOptions.Default)));
        Assert.Empty(CompatibilityChecker.Compare(ttrpc, ttrpc, CompatibilityOptions.Default));
    }

    [Fact]
    public void FindingsCarryTheirDirection()
    {
        var findings = CompatibilityChecker.Compare(
            Fixtures.Case("FIELD_UNKNOWN_TO_RECEIVER", "runtime"), Fixtures.Case("FIELD_UNKNOWN_TO_RECEIVER", "agent"), CompatibilityOptions.Default);
        Assert.Equal("request", findings.Single(f => f.Subject.EndsWith("stdin_port", StringComparison.Ordinal)).Direction);
        Assert.Equal("response", findings.Single(f => f.Subject.EndsWith("cgroup_path", StringComparison.Ordinal)).Direction);
    }

    [Fact]
    public void EveryRuleIsCoveredByACaseOrASurfaceTest()
    {
        // Surface-level rules need binary facts rather than .proto pairs; SurfaceTests covers them.
        string[] factRules =
        [
            "PROTOCOL_UNVERIFIED", "FIELDS_UNVERIFIED", "DRIVER_UNKNOWN_TO_AGENT", "SERVICE_UNVERIFIED", "RPCS_UNVERIFIED",
            "TYPES_UNRESOLVED", "RELEASE_UNKNOWN", "PROTOCOL_DIFFERS_FROM_RELEASE",
        ];
        var caseRules = Directory.GetDirectories(TestData.Path("protocols", "cases")).Select(Path.GetFileName).ToHashSet();
        foreach (var rule in RuleCatalog.All)
        {
            Assert.True(caseRules.Contains(rule.Id) || factRules.Contains(rule.Id), $"rule {rule.Id} has no case");
        }
        Assert.Equal(RuleCatalog.All.Count, RuleCatalog.All.Select(r => r.Id).Distinct().Count());
        Assert.All(RuleCatalog.All, r => Assert.Matches("^[A-Z]+(_[A-Z]+)+$", r.Id));
    }

    [Fact]
    public void EveryRuleIsDocumentedWithItsDefaultSeverity()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.Root, "src", "Preflight.Protocol", "README.md"));
        foreach (var rule in RuleCatalog.All)
        {
            Assert.Contains($"| {rule.Id} | {rule.DefaultSeverity.ToString().ToLowerInvariant()} |", readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void VerdictIsTheWorstSeverity()
    {
        Assert.Equal(Verdict.Pass, VerdictCalculator.From([]));
        Assert.Equal(Verdict.Pass, VerdictCalculator.From([new Finding("X_Y", Severity.Info, "s", "m")]));
        Assert.Equal(Verdict.Warn, VerdictCalculator.From([new Finding("X_Y", Severity.Info, "s", "m"), new Finding("X_Y", Severity.Warn, "s", "m")]));
        Assert.Equal(Verdict.Block, VerdictCalculator.From([new Finding("X_Y", Severity.Block, "s", "m"), new Finding("X_Y", Severity.Warn, "s", "m")]));
    }

    private static List<string> Split(string expected) =>
        expected.Split('|', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToList();

    private static List<string> Summaries(IEnumerable<Finding> findings) =>
        findings.Select(f => $"{f.Severity} {f.Rule} {f.Subject}").Order(StringComparer.Ordinal).ToList();
}
