using Preflight.Binaries;

namespace Preflight.Protocol.Catalog;

/// <summary>
/// One side's protocol as it will be compared: the binary's own facts, completed from the catalog's protocol of the
/// release the binary states where its own are missing or partial, with the releases whose protocol it equals.
/// Fingerprint is null when no protocol was read at all (not even from the catalog); FingerprintBasis says what it
/// was computed from. Findings are what resolving noticed (a release the catalog does not know, a build whose own
/// descriptors differ from its release).
/// </summary>
public sealed record ResolvedProtocol(
    ProtocolSurface Surface,
    KataRelease? Release,
    IReadOnlyList<KataRelease> MatchingReleases,
    string? Fingerprint,
    string FingerprintBasis,
    IReadOnlyList<Finding> Findings)
{
    /// <summary>"2.2.0-2.2.1" style list of the tags sharing this protocol, or null when none does.</summary>
    public string? MatchingReleasesText => MatchingReleases.Count == 0 ? null : ReleaseRanges.Describe(MatchingReleases);
}

public static class ProtocolResolver
{
    /// <summary>The side's protocol from a binary. Only a Go binary calls what required.tsv says its release calls
    /// (the catalog analysed Kata's Go runtime); runtime-rs and other clients are held to what every release requires.</summary>
    public static ResolvedProtocol ForBinary(BinaryFacts facts, string side, CompatibilityOptions options) =>
        Resolve(ProtocolSurface.FromFacts(facts), facts.Version?.Version, side, options, ReleaseCatalog.Default, callsAsRelease: facts.Go is not null);

    /// <param name="side">"agent" or "runtime", for the findings' subjects.</param>
    public static ResolvedProtocol Resolve(
        ProtocolSurface own, string? version, string side, CompatibilityOptions options, ReleaseCatalog catalog, bool callsAsRelease = true)
    {
        ArgumentNullException.ThrowIfNull(own);
        var findings = new List<Finding>();
        var surface = own.WithVersion(version, callsAsRelease);
        KataRelease? release = catalog.Find(version);
        if (release is null && version is not null)
        {
            findings.Add(ResolutionRules.ReleaseUnknown.Report(side,
                $"the {side} states version {version}, which is not a Kata release the shipped catalog knows " +
                $"({catalog.Releases[0].Tag} to {catalog.Releases[^1].Tag}): only what its binary shows was compared"));
        }
        else if (release is not null)
        {
            surface = surface.CompletedFrom(catalog.Surface(release), release.Protocol, options.ExpectedServices);
            surface = WithCatalogConstants(surface, release, side, options, catalog);
        }

        string? fingerprint = ProtocolFingerprint.Compute(surface, options);
        if (release is not null && own.HasDescriptors && fingerprint is not null && fingerprint != catalog.Fingerprint(release.Protocol))
        {
            findings.Add(ResolutionRules.ProtocolDiffersFromRelease.Report(side,
                $"the {side}'s own descriptors differ from Kata {release.Tag}'s protocol (a patched or custom build): " +
                "its own descriptors were compared, the release's filled only what they leave out"));
        }
        var matching = catalog.ReleasesWithFingerprint(fingerprint);
        surface = surface.WithTransport(ProtocolTransport.Resolve(surface.Transport, release, matching));
        return new ResolvedProtocol(surface, release, matching, fingerprint, ProtocolFingerprint.Basis(surface, options), findings);
    }

    /// <summary>
    /// A binary in which none of the driver constants is readable (the scan found not one of them as a constant of
    /// its own: stripped of its handlers, or a stand-in) says nothing about drivers; when its release is one the
    /// catalog analysed, that release's list for this side stands in, marked as coming from the catalog.
    /// </summary>
    private static ProtocolSurface WithCatalogConstants(
        ProtocolSurface surface, KataRelease release, string side, CompatibilityOptions options, ReleaseCatalog catalog)
    {
        if (side is not ("agent" or "runtime") || surface.Constants.Any(c => c.Present))
        {
            return surface;
        }
        bool agent = side == "agent";
        var known = catalog.Constants.Where(c => c.Release == release.Version && c.Agent == agent).Select(c => c.Value)
            .ToHashSet(StringComparer.Ordinal);
        if (known.Count == 0)
        {
            return surface; // not an analysed release: nothing to say
        }
        return surface.WithConstants(options.Constants
            .Select(c => new ConstantEvidence(c.Value, known.Contains(c.Value), 0, "release-catalog"))
            .ToList());
    }
}

/// <summary>Tags as ranges of consecutive catalog releases: "2.5.0-3.1.3", "3.2.0".</summary>
public static class ReleaseRanges
{
    public static string Describe(IReadOnlyList<KataRelease> releases)
    {
        var all = ReleaseCatalog.Default.Releases;
        var chosen = releases.Select(r => r.Tag).ToHashSet(StringComparer.Ordinal);
        var ranges = new List<string>();
        int i = 0;
        while (i < all.Count)
        {
            if (!chosen.Contains(all[i].Tag))
            {
                i++;
                continue;
            }
            int start = i;
            while (i + 1 < all.Count && chosen.Contains(all[i + 1].Tag))
            {
                i++;
            }
            ranges.Add(start == i ? all[start].Tag : $"{all[start].Tag}-{all[i].Tag}");
            i++;
        }
        return string.Join(", ", ranges);
    }
}

/// <summary>Rules about how a side's protocol was resolved rather than about a pair.</summary>
public static class ResolutionRules
{
    public static readonly RuleInfo ReleaseUnknown = new(
        "RELEASE_UNKNOWN", Severity.Info, "both",
        "The binary states a version that is not a Kata release in the shipped catalog: only what the binary shows was compared.");

    public static readonly RuleInfo ProtocolDiffersFromRelease = new(
        "PROTOCOL_DIFFERS_FROM_RELEASE", Severity.Info, "both",
        "The binary's own descriptors differ from its stated release's protocol (a patched or custom build): its own were compared.");

    public static readonly IReadOnlyList<RuleInfo> All = [ReleaseUnknown, ProtocolDiffersFromRelease];
}
