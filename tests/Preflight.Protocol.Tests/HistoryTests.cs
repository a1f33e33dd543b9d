using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>Every ordered (runtime, agent) pair of the modelled Kata history gets the right verdict and reasons.</summary>
public class HistoryTests
{
    // Rows: runtime version; columns: agent version; both in versions.txt order
    // (1.0.0 1.1.0 1.4.0 1.12.1 2.0.0 2.2.0 2.5.0 3.2.0 3.5.0 3.30.0). P = pass, W = warn, B = block.
    // Why: 1.x ↔ 2.x+ never talk (transport). A newer runtime warns on RPCs the older agent lacks and blocks once a
    // required one is missing: which RPCs a runtime requires comes from the release catalog's required.tsv, which
    // analysed 1.0.0 and 1.12.1 among the 1.x runtimes, so a 1.4.0 runtime is held to 1.0.0's list (GetGuestDetails
    // did not exist then: missing, it warns) and 1.12.1 to its own (GetGuestDetails missing blocks). An older runtime warns when the newer agent removed
    // RPCs it knows (AddInterface/RemoveInterface at 1.6, ListProcesses at 2.1, Start/StopTracing at 2.4).
    // 2.0.0 ↔ 2.2.0+ blocks on the seccomp renumbering; a 2.0 runtime against 3.5+ also on CreateContainerRequest 8.
    // A 3.2+ runtime calls RemoveStaleVirtiofsShareMounts on every container stop (required.tsv): 2.x agents block.
    private static readonly string[] Expected =
    [
        "PPPWBBBBBB", // runtime 1.0.0
        "WPPWBBBBBB", // runtime 1.1.0
        "WWPWBBBBBB", // runtime 1.4.0
        "BBWPBBBBBB", // runtime 1.12.1
        "BBBBPBBBBB", // runtime 2.0.0
        "BBBBBPWWWW", // runtime 2.2.0
        "BBBBBWPPPP", // runtime 2.5.0
        "BBBBBBBPPP", // runtime 3.2.0
        "BBBBBBBWPP", // runtime 3.5.0
        "BBBBBBBWWP", // runtime 3.30.0
    ];

    public static TheoryData<string, string> AllPairs()
    {
        var data = new TheoryData<string, string>();
        foreach (string runtime in Fixtures.Versions)
        {
            foreach (string agent in Fixtures.Versions)
            {
                data.Add(runtime, agent);
            }
        }
        return data;
    }

    [Fact]
    public void HistoryHasTheTenModelledVersions()
    {
        Assert.Equal(["1.0.0", "1.1.0", "1.4.0", "1.12.1", "2.0.0", "2.2.0", "2.5.0", "3.2.0", "3.5.0", "3.30.0"], Fixtures.Versions);
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void EveryOrderedPairGetsItsVerdict(string runtime, string agent)
    {
        var findings = Compare(runtime, agent, withTransport: true);
        char expected = Expected[Index(runtime)][Index(agent)];
        var verdict = VerdictCalculator.From(findings);
        Assert.True(expected == verdict.ToString()[0], $"runtime {runtime} / agent {agent}: expected {expected}, got {verdict}\n{Fixtures.Describe(findings)}");

        bool crossEra = Fixtures.TransportOf(runtime) != Fixtures.TransportOf(agent);
        Assert.Equal(crossEra, findings.Any(f => f.Rule == "TRANSPORT_MISMATCH" && f.Severity == Severity.Block));
        if (runtime == agent)
        {
            Assert.Empty(findings);
        }
    }

    [Theory]
    [MemberData(nameof(AllPairs))]
    public void WithoutTransportsThereIsNoTransportFinding(string runtime, string agent)
    {
        Assert.DoesNotContain(Compare(runtime, agent, withTransport: false), f => f.Rule == "TRANSPORT_MISMATCH");
    }

    [Fact]
    public void Runtime110AgainstAgent100MissesPauseAndSandboxPidns()
    {
        var findings = Compare("1.1.0", "1.0.0");
        AssertHas(findings, "RPC_MISSING", Severity.Warn, "grpc.AgentService.PauseContainer");
        AssertHas(findings, "RPC_MISSING", Severity.Warn, "grpc.AgentService.ResumeContainer");
        AssertHas(findings, "FIELD_UNKNOWN_TO_RECEIVER", Severity.Warn, "grpc.CreateContainerRequest.sandbox_pidns");
        Assert.Equal(Verdict.Warn, VerdictCalculator.From(findings));
    }

    [Fact]
    public void RequiredGetGuestDetailsMissingBlocks()
    {
        AssertHas(Compare("1.12.1", "1.1.0"), "RPC_MISSING", Severity.Block, "grpc.AgentService.GetGuestDetails");
        // 1.0.0's runtime, the analysed release a 1.4.0 runtime falls back on, did not call it on every sandbox.
        AssertHas(Compare("1.4.0", "1.1.0"), "RPC_MISSING", Severity.Warn, "grpc.AgentService.GetGuestDetails");
    }

    [Fact]
    public void InterfaceMovedFromGrpcToTypesIsCompatible()
    {
        // 1.1.0 has grpc.Interface, 1.4.0 types.Interface with the same fields (plus pciAddr, 6): structure wins over names.
        var findings = Compare("1.1.0", "1.4.0");
        Assert.DoesNotContain(findings, f => f.Severity > Severity.Info);
        Assert.DoesNotContain(findings, f => f.Rule is "RPC_RESPONSE_CHANGED" or "RPC_REQUEST_CHANGED" or "FIELD_MESSAGE_TYPE_CHANGED");
        AssertHas(findings, "FIELD_UNKNOWN_TO_RECEIVER", Severity.Info, "types.Interface.pciAddr");
    }

    [Fact]
    public void PciAddrRenamedToPciPathIsOnlyInfo()
    {
        var findings = Compare("1.4.0", "1.12.1");
        AssertHas(findings, "FIELD_RENAMED", Severity.Info, "types.Interface.pciAddr");
    }

    [Fact]
    public void SeccompRenumberingBetween20And22Blocks()
    {
        // The runtime's LinuxSeccomp field 3 carries LinuxSyscall messages; the 2.2 agent reads field 3 as strings
        // (Flags). Both are length-delimited, so this is a change of meaning rather than of wire type; the 2.2
        // LinuxSyscall.errnoret (3, varint) is never reached by a 2.0 runtime's LinuxSyscall, so no rule pairs them.
        var findings = Compare("2.0.0", "2.2.0");
        AssertHas(findings, "FIELD_MESSAGE_BYTES_CHANGED", Severity.Block, "grpc.LinuxSeccomp.Syscalls");
        AssertHas(findings, "RPC_MISSING", Severity.Warn, "grpc.AgentService.ListProcesses");
        AssertHas(findings, "FIELD_UNKNOWN_TO_RECEIVER", Severity.Warn, "grpc.CreateContainerRequest.agent_pidns");
        AssertHas(Compare("2.2.0", "2.0.0"), "FIELD_MESSAGE_BYTES_CHANGED", Severity.Block, "grpc.LinuxSeccomp.Flags");
    }

    [Fact]
    public void AgentPidnsReusedAsSharedMountsIsAWireTypeChange()
    {
        AssertHas(Compare("2.0.0", "3.5.0"), "FIELD_WIRE_TYPE_CHANGED", Severity.Block, "grpc.CreateContainerRequest.agent_pidns");
    }

    [Fact]
    public void NewerRuntimeFieldsAreUnknownToOlderAgent()
    {
        var findings = Compare("3.30.0", "3.5.0");
        AssertHas(findings, "FIELD_UNKNOWN_TO_RECEIVER", Severity.Warn, "grpc.Storage.shared");
        AssertHas(findings, "FIELD_UNKNOWN_TO_RECEIVER", Severity.Warn, "types.Route.mtu");
        AssertHas(findings, "RPC_MISSING", Severity.Warn, "grpc.AgentService.GetDiagnosticData");
        // Responses the older runtime does not understand are only info.
        AssertHas(Compare("2.2.0", "2.5.0"), "FIELD_UNKNOWN_TO_RECEIVER", Severity.Info, "types.Route.family");
    }

    [Fact]
    public void FindingsAreSortedAndDeterministic()
    {
        var first = Compare("3.30.0", "1.0.0", withTransport: true);
        var second = Compare("3.30.0", "1.0.0", withTransport: true);
        Assert.Equal(first, second);
        Assert.Equal(first.OrderByDescending(f => f.Severity).Select(f => f.Severity), first.Select(f => f.Severity));
        var blocks = first.Where(f => f.Severity == Severity.Block).Select(f => f.Rule).ToList();
        Assert.Equal(blocks.Order(StringComparer.Ordinal), blocks);
    }

    internal static void AssertHas(IReadOnlyList<Finding> findings, string rule, Severity severity, string subject) =>
        Assert.True(findings.Any(f => f.Rule == rule && f.Severity == severity && f.Subject == subject),
            $"expected {severity} {rule} {subject} in:\n{Fixtures.Describe(findings)}");

    /// <summary>Each side carries its release's version: the runtime's decides which RPCs it requires.</summary>
    private static IReadOnlyList<Finding> Compare(string runtime, string agent, bool withTransport = false) =>
        CompatibilityChecker.Compare(Fixtures.History(runtime, withTransport).WithVersion(runtime),
            Fixtures.History(agent, withTransport).WithVersion(agent), CompatibilityOptions.Default);

    private static int Index(string version) => Fixtures.Versions.ToList().IndexOf(version);
}
