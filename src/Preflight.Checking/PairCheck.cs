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

    /// <summary>Every agent against every runtime (runtimes outer); each input is read once.</summary>
    public static IReadOnlyList<MatrixCell> Matrix(IReadOnlyList<string> agentFiles, IReadOnlyList<string> runtimeFiles, CompatibilityOptions options)
    {
        var agents = agentFiles.Select(f => ProtocolSource.Load(f, "agent", options)).ToList();
        var runtimes = runtimeFiles.Select(f => ProtocolSource.Load(f, "runtime", options)).ToList();
        var cells = new List<MatrixCell>();
        foreach (LoadedSide runtime in runtimes)
        {
            foreach (LoadedSide agent in agents)
            {
                IReadOnlyList<Finding> findings = Findings(agent, runtime, options);
                cells.Add(new MatrixCell(runtime.Path, agent.Path, VerdictCalculator.From(findings), findings));
            }
        }
        return cells;
    }
}
