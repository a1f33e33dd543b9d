using Preflight.Binaries;
using Preflight.Host.Config;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Checking;

/// <summary>
/// What a report says about one side of a pair: enough to tell which binary was judged and what its protocol rests
/// on. Fingerprint is null when no protocol was read; FingerprintBasis says what it was computed from; Releases names
/// the Kata releases whose protocol it equals; Catalog lists what the release catalog supplied (empty: nothing).
/// </summary>
public sealed record SideSummary(
    string Path,
    string? Version,
    string? Commit,
    RpcTransport Transport,
    int Descriptors,
    int Methods,
    string? Fingerprint,
    string? Sha256)
{
    public string FingerprintBasis { get; init; } = "no protocol read";

    public string? Releases { get; init; }

    public IReadOnlyList<string> Catalog { get; init; } = [];

    /// <summary>The catalog protocol the side was completed from (null: none).</summary>
    public string? CatalogProtocol { get; init; }

    /// <summary>The package the binary was read out of (Path is then where it installs), or null for a file on the host.</summary>
    public PackagedFile? Package { get; init; }

    public static SideSummary From(string path, BinaryFacts facts, ResolvedProtocol resolved) => new(
        path,
        facts.Version?.Version,
        facts.Version?.Commit,
        resolved.Surface.Transport,
        facts.Descriptors.Count,
        facts.Methods.Count,
        resolved.Fingerprint,
        facts.Sha256)
    {
        FingerprintBasis = resolved.FingerprintBasis,
        Releases = resolved.MatchingReleasesText,
        Catalog = resolved.Surface.CatalogParts,
        CatalogProtocol = resolved.Surface.CatalogProtocol,
    };
}

/// <summary>The guest image side: the image and where its agent was found.</summary>
public sealed record ImageSummary(string Path, ImageLayout Layout, FileSystemType FileSystem, string? AgentPath, AgentFoundBy? AgentFoundBy, string? OsBuilderAgentVersion)
{
    /// <summary>The package the image was read out of (Path is then where it installs), or null for a file on the host.</summary>
    public PackagedFile? Package { get; init; }
}

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
    RuntimeClass? RuntimeClass = null)
{
    /// <summary>What the comparison covered (null when the pair was not compared).</summary>
    public Coverage? Coverage { get; init; }

    /// <summary>This target's own answer: Unchecked when its pair was not compared.</summary>
    public Verdict Verdict => Compared ? VerdictCalculator.From(Findings) : Verdict.Unchecked;

    /// <summary>Whether both sides' wire fingerprints exist and are equal: what "protocols match" means.</summary>
    public bool FingerprintsMatch => Agent?.Fingerprint is string a && a == Runtime?.Fingerprint;
}

/// <summary>The whole answer of `check`: every target, and the verdict over all of them.</summary>
public sealed record CheckReport(string Root, IReadOnlyList<CheckTarget> Targets)
{
    public IEnumerable<Finding> AllFindings => Targets.SelectMany(t => t.Findings);

    /// <summary>Findings that count: not suppressed by the policy.</summary>
    public IEnumerable<Finding> CountedFindings => AllFindings.Where(f => f.Suppressed is null);

    /// <summary>Unchecked when no pair was compared at all: that is its own answer, never a pass or a warning.</summary>
    public Verdict Verdict => AnythingCompared ? VerdictCalculator.From(AllFindings) : Verdict.Unchecked;

    public bool AnythingCompared => Targets.Any(t => t.Compared);
}
