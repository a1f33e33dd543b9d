using Preflight.Checking.Policy;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Checking;

/// <summary>
/// Named inputs compared as pairs: what `diff` judges for one agent and one runtime, and `matrix` for every agent
/// against every runtime. The same steps as `check` takes for a host's pair: each side's protocol resolved against
/// the release catalog, the protocol comparison, and the version rule.
/// </summary>
public static class PairCheck
{
    /// <summary>
    /// What resolving each side noticed, the protocol comparison, and the version rule (a descriptor set states no
    /// version, which is no finding of its own).
    /// </summary>
    public static IReadOnlyList<Finding> Findings(LoadedSide agent, LoadedSide runtime, CompatibilityOptions options)
    {
        var findings = new List<Finding>();
        findings.AddRange(agent.Resolved.Findings);
        findings.AddRange(runtime.Resolved.Findings);
        findings.AddRange(CompatibilityChecker.Compare(runtime.Surface, agent.Surface, options));
        if ((agent.Facts, runtime.Facts) is (not null, not null)
            && VersionPolicy.Evaluate(agent.Facts.Version?.Version, runtime.Facts.Version?.Version, PreflightPolicy.Default) is Finding versionFinding)
        {
            findings.Add(versionFinding);
        }
        return findings;
    }

    /// <summary>
    /// The finding of a pair whose comparison stopped at one of the walker's limits (a hostile or broken protocol):
    /// it names both files, since the walk only goes as deep as both sides nest.
    /// </summary>
    public static Finding Uncomparable(string agentFile, string runtimeFile, ProtocolFormatException error) =>
        CheckRules.Make(CheckRules.ProtocolUncomparable, "protocol",
            $"the protocols of the agent {agentFile} and the runtime {runtimeFile} could not be compared: {error.Problem}; this pair was not checked");

    /// <summary>
    /// Every agent against every runtime (runtimes outer); each input is read once. Labels say, per input, its kind,
    /// version and fingerprint, for tables that show where each row and column came from.
    /// </summary>
    /// <param name="progress">Told after each input read and each cell compared; null: nobody is watching.</param>
    public static MatrixResult Matrix(IReadOnlyList<string> agentFiles, IReadOnlyList<string> runtimeFiles, CompatibilityOptions options,
        IProgress<MatrixProgress>? progress = null)
    {
        int inputs = agentFiles.Count + runtimeFiles.Count;
        int read = 0;
        LoadedSide Load(string file, string side)
        {
            LoadedSide loaded = ProtocolSource.Load(file, side, options);
            progress?.Report(new MatrixProgress(MatrixStage.Reading, ++read, inputs));
            return loaded;
        }
        var agents = agentFiles.Select(f => Load(f, "agent")).ToList();
        var runtimes = runtimeFiles.Select(f => Load(f, "runtime")).ToList();
        int total = agents.Count * runtimes.Count;
        var cells = new List<MatrixCell>(total);
        foreach (LoadedSide runtime in runtimes)
        {
            foreach (LoadedSide agent in agents)
            {
                MatrixCell cell;
                try
                {
                    IReadOnlyList<Finding> findings = Findings(agent, runtime, options);
                    cell = new MatrixCell(runtime.Path, agent.Path, VerdictCalculator.From(findings), findings);
                }
                catch (ProtocolFormatException e)
                {
                    // One pair over a limit of the walk is that cell's answer, not the whole matrix's.
                    cell = new MatrixCell(runtime.Path, agent.Path, Verdict.Unchecked, [Uncomparable(agent.Path, runtime.Path, e)]);
                }
                cells.Add(cell);
                progress?.Report(new MatrixProgress(MatrixStage.Comparing, cells.Count, total));
            }
        }
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (LoadedSide side in agents.Concat(runtimes))
        {
            labels[side.Path] = $"{side.Kind}, {side.Facts?.Version?.Version ?? "version unknown"}, " +
                $"{Short(side.Resolved.Fingerprint)}" + (side.Resolved.MatchingReleasesText is string same ? $" (Kata {same})" : "");
        }
        return new MatrixResult(cells, labels);
    }

    /// <summary>Kata's releases against each other, labelled by the tags sharing each protocol and its fingerprint.</summary>
    public static MatrixResult Releases(ReleaseCatalog catalog, CompatibilityOptions options, IProgress<MatrixProgress>? progress = null) => new(
        ReleaseMatrix.Compute(catalog, options, progress),
        catalog.Protocols.ToDictionary(
            p => p,
            p => $"{ReleaseRanges.Describe(catalog.TagsOf(p).ToList())}, {Short(catalog.Fingerprint(p))}",
            StringComparer.Ordinal));

    private static string Short(string? fingerprint) => fingerprint is null ? "no protocol read" : fingerprint[..Math.Min(fingerprint.Length, 19)];
}

/// <summary>A matrix's cells and a label per row/column name.</summary>
public sealed record MatrixResult(IReadOnlyList<MatrixCell> Cells, IReadOnlyDictionary<string, string> Labels);
