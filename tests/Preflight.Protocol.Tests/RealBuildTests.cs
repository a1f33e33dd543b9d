using Google.Protobuf;
using Google.Protobuf.Reflection;
using Preflight.Binaries;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Tests;

/// <summary>
/// Agents and runtimes built the way Kata builds them (testdata/real-builds, see its README) against Kata's real
/// protocol at every release (the shipped catalog). A same-release pair must pass and never call an RPC or a service
/// missing; the known incompatibilities of Kata's history must block.
/// </summary>
public class RealBuildTests
{
    private static readonly CompatibilityOptions Options = CompatibilityOptions.Default;
    private static readonly ReleaseCatalog Catalog = ReleaseCatalog.Default;
    private static readonly Dictionary<string, BinaryFacts> FactsCache = [];

    internal static BinaryFacts Facts(string sample)
    {
        lock (FactsCache)
        {
            if (!FactsCache.TryGetValue(sample, out var facts))
            {
                facts = BinaryInspector.InspectFile(TestData.Generated("real-builds", sample), Options.ConstantValues.ToList());
                FactsCache[sample] = facts;
            }
            return facts;
        }
    }

    private static ResolvedProtocol Binary(string sample, string side) => ProtocolResolver.ForBinary(Facts(sample), side, Options);

    /// <summary>The catalog's protocol of a release as the other side, carrying that release's version.</summary>
    private static ProtocolSurface Release(string tag) => Catalog.Surface(Catalog.Find(tag)!).WithVersion(tag);

    private static IReadOnlyList<Finding> Compare(ProtocolSurface runtime, ProtocolSurface agent) =>
        CompatibilityChecker.Compare(runtime, agent, Options);

    public static TheoryData<string, string> SameReleasePairs() => new()
    {
        { "agent-2.0.0", "2.0.0" },
        { "agent-2.2.0-ttrpc", "2.2.0" },
        { "agent-3.32.0-policy", "3.32.0" },
        { "agent-3.32.0-nopolicy", "3.32.0" },
    };

    [Theory]
    [MemberData(nameof(SameReleasePairs))]
    public void AgentPassesAgainstItsOwnReleaseAndNothingIsCalledMissing(string sample, string tag)
    {
        var agent = Binary(sample, "agent");
        var findings = Compare(Release(tag), agent.Surface);
        Assert.Empty(findings.Where(f => f.Rule is "RPC_MISSING" or "SERVICE_MISSING").Select(f => $"{f.Rule} {f.Subject}: {f.Message}"));
        Assert.Equal(Verdict.Pass, VerdictCalculator.From(findings));
        Assert.Equal(Catalog.Find(tag), agent.Release);
        Assert.Contains(agent.MatchingReleases, r => r.Tag == tag);
    }

    [Fact]
    public void GoRuntimeAndTtrpcAgentOfOneReleasePass()
    {
        var runtime = Binary("runtime-2.2.0-go", "runtime");
        var agent = Binary("agent-2.2.0-ttrpc", "agent");
        var findings = Compare(runtime.Surface, agent.Surface);
        Assert.Equal(Verdict.Pass, VerdictCalculator.From(findings));
        Assert.Equal(runtime.Fingerprint, agent.Fingerprint);
        Assert.Equal("2.2.0-2.2.1", runtime.MatchingReleasesText);
    }

    [Fact]
    public void ServiceLessDescriptorsAreComparedFieldByFieldWithoutTheCatalog()
    {
        // No version, so no catalog: the methods come from the agent's own path strings, their types from the
        // runtime's service, and the field rules run on the agent's own messages.
        var facts = Facts("agent-2.2.0-ttrpc") with { Version = null };
        var agent = ProtocolResolver.Resolve(ProtocolSurface.FromFacts(facts), null, "agent", Options, Catalog);
        Assert.Null(agent.Surface.CatalogProtocol);
        var findings = Compare(Binary("runtime-2.2.0-go", "runtime").Surface, agent.Surface);
        Assert.Empty(findings.Where(f => f.Rule is "RPC_MISSING" or "SERVICE_MISSING" or "RPCS_UNVERIFIED" or "FIELDS_UNVERIFIED")
            .Select(f => $"{f.Rule} {f.Subject}: {f.Message}"));
        Assert.Equal(Verdict.Pass, VerdictCalculator.From(findings));

        // The 2.0 runtime numbers LinuxSeccomp's fields the old way: the agent's own messages prove the break.
        var old = Compare(Release("2.0.0"), agent.Surface);
        Assert.Contains(old, f => f.Rule == "FIELD_MESSAGE_BYTES_CHANGED" && f.Subject.StartsWith("grpc.LinuxSeccomp.", StringComparison.Ordinal)
            && f.Severity == Severity.Block);
    }

    [Fact]
    public void AMutatedFieldTypeInServiceLessDescriptorsIsCaught()
    {
        // exec_id of SignalProcessRequest turned from string into int64 in the agent's own descriptor, as a patched
        // build would carry it: the pair must block, and the fingerprint must change.
        var facts = Facts("agent-2.2.0-ttrpc");
        var mutated = facts with
        {
            Version = null,
            Descriptors = facts.Descriptors.Select(d => d with { Bytes = ChangeExecId(d.Bytes) }).ToList(),
        };
        var agent = ProtocolResolver.Resolve(ProtocolSurface.FromFacts(mutated), null, "agent", Options, Catalog);
        var findings = Compare(Binary("runtime-2.2.0-go", "runtime").Surface, agent.Surface);
        Assert.Contains(findings, f => f.Rule == "FIELD_WIRE_TYPE_CHANGED" && f.Subject == "grpc.SignalProcessRequest.exec_id");
        Assert.NotEqual(Binary("agent-2.2.0-ttrpc", "agent").Fingerprint, agent.Fingerprint);
    }

    private static byte[] ChangeExecId(byte[] bytes)
    {
        var file = FileDescriptorProto.Parser.ParseFrom(bytes);
        foreach (var message in file.MessageType.Where(m => m.Name == "SignalProcessRequest"))
        {
            message.Field.Single(f => f.Name == "exec_id").Type = FieldDescriptorProto.Types.Type.Int64;
        }
        return file.ToByteArray();
    }

    [Fact]
    public void PackedMethodPathsAreFoundInTheBytesAndAbsentOnesAreProvenAbsent()
    {
        var surface = ProtocolSurface.FromFacts(Facts("agent-2.2.0-ttrpc"));
        string[] known = ["SignalProcess", "ListProcesses", "AddSwap", "AddSwapPath"];
        Assert.Equal(Presence.Present, surface.ProbeMethod("grpc.AgentService", "SignalProcess", known));
        // ListProcesses left at 2.1.0; the 2.2 agent registers paths, so missing bytes prove it gone.
        Assert.Equal(Presence.Absent, surface.ProbeMethod("grpc.AgentService", "ListProcesses", known));
        Assert.Equal(Presence.Absent, surface.ProbeMethod("grpc.AgentService", "AddSwapPath", known));
        Assert.Equal(Presence.Present, surface.ProbeService("grpc.Health"));
    }

    [Fact]
    public void ARuntimeBuiltNameAgentProvesNothingByMissingBytes()
    {
        // 3.2+ agents build names at run time; their only path text is ttrpc's "is not supported" message.
        var surface = ProtocolSurface.FromFacts(Facts("agent-3.32.0-nopolicy"));
        Assert.Equal(Presence.Unknown, surface.ProbeMethod("grpc.AgentService", "CreateSandbox", ["CreateSandbox"]));
        Assert.Equal(Presence.Unknown, surface.ProbeService("grpc.Health"));
    }

    [Fact]
    public void AStrayPathTextIsNoRegistrationTable()
    {
        // A 3.2+ agent that happens to hold one path-shaped text (a log message, say) still builds its method names
        // at run time: one or two paths prove nothing about the methods or services they leave out.
        var facts = Facts("agent-3.32.0-nopolicy");
        var stray = facts with { MethodPaths = [.. facts.MethodPaths, new MethodPathRun("grpc.AgentService", "CreateContainer", false)] };
        var surface = ProtocolSurface.FromFacts(stray);
        Assert.Equal(Presence.Present, surface.ProbeMethod("grpc.AgentService", "CreateContainer", ["CreateContainer"]));
        Assert.Equal(Presence.Unknown, surface.ProbeMethod("grpc.AgentService", "SignalProcess", ["SignalProcess"]));
        Assert.Equal(Presence.Unknown, surface.ProbeService("grpc.Health"));
        // Completed from its release, it keeps Health: nothing proved it absent.
        var resolved = ProtocolResolver.Resolve(surface, "3.32.0", "agent", Options, Catalog);
        Assert.True(resolved.Surface.Services.ContainsKey("grpc.Health"));
    }

    [Fact]
    public void AgentPolicyBuildWithoutHealthIsCompletedFromItsReleaseNotCalledMissing()
    {
        var agent = Binary("agent-3.32.0-policy", "agent");
        Assert.Equal("3.29.0", agent.Surface.CatalogProtocol);
        Assert.Equal(Evidence.Catalog, agent.Surface.Services["grpc.Health"].Evidence);
        Assert.Equal(Evidence.Descriptor, agent.Surface.Services["grpc.AgentService"].Evidence);
        Assert.Equal("descriptors + release catalog", agent.FingerprintBasis);

        // Without its version nothing proves Health absent either: unverified (warn), never missing.
        var own = ProtocolSurface.FromFacts(Facts("agent-3.32.0-policy"));
        var findings = Compare(Release("3.32.0"), own);
        Assert.Contains(findings, f => f.Rule == "SERVICE_UNVERIFIED" && f.Subject == "grpc.Health" && f.Severity == Severity.Warn);
        Assert.DoesNotContain(findings, f => f.Rule == "SERVICE_MISSING");
    }

    [Fact]
    public void DefaultBuildAgentIsJudgedByItsReleaseAgainstAnOldRuntime()
    {
        var agent = Binary("agent-3.32.0-nopolicy", "agent");
        Assert.Equal("release catalog", agent.FingerprintBasis);
        Assert.Equal(Catalog.Fingerprint("3.29.0"), agent.Fingerprint);
        var findings = Compare(Release("1.12.1"), agent.Surface);
        Assert.Contains(findings, f => f.Rule == "TRANSPORT_MISMATCH");
        Assert.Contains(findings, f => f.Rule.StartsWith("FIELD_", StringComparison.Ordinal) && f.Severity == Severity.Block);
    }

    [Fact]
    public void NoProtocolMeansNoFingerprint()
    {
        var client = Binary("runtime-rs-client-3.32.0", "runtime");
        Assert.Null(client.Fingerprint);
        Assert.Equal("no protocol read", client.FingerprintBasis);
        var nopolicy = ProtocolResolver.Resolve(ProtocolSurface.FromFacts(Facts("agent-3.32.0-nopolicy")), null, "agent", Options, Catalog);
        Assert.Null(nopolicy.Fingerprint);
        var findings = Compare(client.Surface, nopolicy.Surface);
        Assert.Contains(findings, f => f.Rule == "PROTOCOL_UNVERIFIED");
        Assert.NotEqual(Verdict.Pass, VerdictCalculator.From(findings));
    }

    [Fact]
    public void OneXProtocolAgainstTwoXBlocksOnTransportFromTheCatalog()
    {
        var oldSet = ProtocolResolver.Resolve(Without(Release("1.12.1")), null, "runtime", Options, Catalog);
        var newSet = ProtocolResolver.Resolve(Without(Release("2.2.0")), null, "agent", Options, Catalog);
        Assert.Equal(RpcTransport.Grpc, oldSet.Surface.Transport);
        Assert.Equal(RpcTransport.Ttrpc, newSet.Surface.Transport);
        var findings = Compare(oldSet.Surface, newSet.Surface);
        Assert.Contains(findings, f => f.Rule == "TRANSPORT_MISMATCH" && f.Severity == Severity.Block);
    }

    /// <summary>A catalog protocol as a plain descriptor set would arrive: no transport, no version.</summary>
    private static ProtocolSurface Without(ProtocolSurface surface) =>
        ProtocolSurface.FromDescriptors(surface.Files).WithTransport(RpcTransport.Unknown);

    [Fact]
    public void UnknownReleaseFallsBackToTheBinaryAndSaysSo()
    {
        var facts = Facts("agent-2.2.0-ttrpc");
        var resolved = ProtocolResolver.Resolve(ProtocolSurface.FromFacts(facts), "2.2.99", "agent", Options, Catalog);
        Assert.Null(resolved.Release);
        Assert.Null(resolved.Surface.CatalogProtocol);
        Assert.Contains(resolved.Findings, f => f.Rule == "RELEASE_UNKNOWN");
    }

    [Fact]
    public void RequiredRpcsFollowTheRuntimeRelease()
    {
        Assert.Contains("grpc.AgentService/RemoveStaleVirtiofsShareMounts", Catalog.RequiredRpcs(new KataVersion(3, 32, 0)));
        Assert.DoesNotContain("grpc.AgentService/RemoveStaleVirtiofsShareMounts", Catalog.RequiredRpcs(new KataVersion(3, 1, 0)));
        Assert.Contains("grpc.Health/Check", Catalog.RequiredRpcs(new KataVersion(2, 2, 0)));
        Assert.Contains("grpc.AgentService/CreateSandbox", Catalog.RequiredRpcs(null));
        // 1.0.0's runtime did not call Health.Check on the sandbox path, so an unknown runtime does not require it.
        Assert.DoesNotContain("grpc.Health/Check", Catalog.RequiredRpcs(null));
    }

    [Fact]
    public void DriversComeFromTheCatalogWhenTheBinaryShowsNone()
    {
        // The stand-ins carry no storage handlers: the 2.0.0 agent's release lacks blk-ccw and nvdimm, which the
        // 2.2.0 runtime's release sends (kata-facts.md).
        var agent = Binary("agent-2.0.0", "agent");
        Assert.Contains(agent.Surface.Constants, c => c.Value == "blk-ccw" && !c.Present && c.Evidence == "release-catalog");
        // The runtime stand-in shows one driver constant of its own (virtio-fs), so its binary speaks for it; with
        // its constants unreadable, its release's list (which sends blk-ccw) stands in.
        var runtimeFacts = Facts("runtime-2.2.0-go");
        var stripped = runtimeFacts with { Constants = runtimeFacts.Constants.Select(c => c with { Present = false }).ToList() };
        var runtime = ProtocolResolver.Resolve(ProtocolSurface.FromFacts(stripped), "2.2.0", "runtime", Options, Catalog);
        var findings = Compare(runtime.Surface, agent.Surface);
        Assert.Contains(findings, f => f.Rule == "DRIVER_UNKNOWN_TO_AGENT" && f.Subject == "blk-ccw" && f.Message.Contains("release catalog", StringComparison.Ordinal));
        // Same release: nothing the runtime sends is unknown to the agent.
        Assert.DoesNotContain(Compare(Binary("runtime-2.2.0-go", "runtime").Surface, Binary("agent-2.2.0-ttrpc", "agent").Surface),
            f => f.Rule == "DRIVER_UNKNOWN_TO_AGENT");
    }

    [Fact]
    public void TheDriverListIsTheCatalogs()
    {
        var catalog = Catalog.Constants.Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(catalog.Order(StringComparer.Ordinal), Options.ConstantValues.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AServiceIsProvenMissingOnlyWhereTheAgentRegistersPathsAndNoneOfItOccurs()
    {
        // The 2.2 agent registers /grpc.AgentService/... paths; without any /grpc.Health/ text it has no Health server.
        var facts = Facts("agent-2.2.0-ttrpc");
        var noHealth = facts with
        {
            Version = null,
            Methods = facts.Methods.Where(m => m.Service != "grpc.Health").ToList(),
            MethodPaths = facts.MethodPaths.Where(r => r.Service != "grpc.Health").ToList(),
        };
        var agent = ProtocolSurface.FromFacts(noHealth);
        var findings = Compare(Binary("runtime-2.2.0-go", "runtime").Surface, agent);
        Assert.Contains(findings, f => f.Rule == "SERVICE_MISSING" && f.Subject == "grpc.Health" && f.Severity == Severity.Block);
    }

    [Fact]
    public void APatchedBuildIsComparedByItsOwnDescriptorsAndSaidToDiffer()
    {
        var facts = Facts("agent-2.2.0-ttrpc");
        var patched = facts with { Descriptors = facts.Descriptors.Select(d => d with { Bytes = ChangeExecId(d.Bytes) }).ToList() };
        var agent = ProtocolResolver.Resolve(ProtocolSurface.FromFacts(patched), "2.2.0", "agent", Options, Catalog);
        Assert.Contains(agent.Findings, f => f.Rule == "PROTOCOL_DIFFERS_FROM_RELEASE");
        Assert.Empty(agent.MatchingReleases);
        Assert.Contains(Compare(Binary("runtime-2.2.0-go", "runtime").Surface, agent.Surface),
            f => f.Rule == "FIELD_WIRE_TYPE_CHANGED" && f.Subject == "grpc.SignalProcessRequest.exec_id");
    }

    [Fact]
    public void TypesOneSideLeavesUndefinedAreReportedNotSkippedSilently()
    {
        // An agent descriptor set without its imported types.proto: the types it reaches there went unchecked.
        var full = Release("2.2.0");
        var withoutTypes = ProtocolSurface.FromDescriptors(full.Files.Where(f => f.Name != "types.proto"), RpcTransport.Ttrpc);
        var findings = Compare(full, withoutTypes);
        Assert.Contains(findings, f => f.Rule == "TYPES_UNRESOLVED" && f.Subject == "agent" && f.Message.Contains("types.Interface", StringComparison.Ordinal));
        Assert.NotEqual(Verdict.Pass, VerdictCalculator.From(findings));
    }
}
