using Preflight.Binaries;
using Preflight.Host.Config;
using Preflight.Protocol;

namespace Preflight.Cli.Checking;

/// <summary>What a report says about one side of a pair: enough to tell which binary was judged.</summary>
public sealed record SideSummary(
    string Path,
    string? Version,
    string? Commit,
    string? Transport,
    int Descriptors,
    int Methods,
    string? Fingerprint,
    string? Sha256)
{
    public static SideSummary From(string path, BinaryFacts facts, ProtocolSurface surface, CompatibilityOptions options) => new(
        path,
        facts.Version?.Version,
        facts.Version?.Commit,
        surface.Transport,
        facts.Descriptors.Count,
        facts.Methods.Count,
        ProtocolFingerprint.Compute(surface, options),
        facts.Sha256);
}

/// <summary>The guest image side: the image and where its agent was found.</summary>
public sealed record ImageSummary(string Path, string Layout, string FileSystem, string? AgentPath, string? AgentFoundBy, string? OsBuilderAgentVersion);

/// <summary>
/// One checked target: a (configuration, hypervisor section) with its image and runtime, or a configuration that
/// could not be used at all (Hypervisor null). Compared says whether the two protocols were actually compared.
/// RuntimeClass is the containerd runtime class the pair belongs to, when discovery found the configuration
/// through one (it names the shim containerd runs and how the runtime was found).
/// </summary>
public sealed record CheckTarget(
    string Config,
    string FoundBy,
    string? Hypervisor,
    ImageSummary? Image,
    SideSummary? Agent,
    SideSummary? Runtime,
    IReadOnlyList<Finding> Findings,
    bool Compared,
    RuntimeClass? RuntimeClass = null);

/// <summary>The whole answer of `check`: every target, and the verdict over all of them.</summary>
public sealed record CheckReport(string Root, IReadOnlyList<CheckTarget> Targets)
{
    public IEnumerable<Finding> AllFindings => Targets.SelectMany(t => t.Findings);

    public Verdict Verdict => VerdictCalculator.From(AllFindings);

    public bool AnythingCompared => Targets.Any(t => t.Compared);
}
