namespace Preflight.Protocol.Catalog;

/// <summary>One runtime protocol against one agent protocol of the catalog, and what the engine says of it.</summary>
public sealed record MatrixCell(string Runtime, string Agent, Verdict Verdict, IReadOnlyList<Finding> Findings)
{
    /// <summary>The rule IDs of the findings that decided the verdict (blocking ones, else warning ones), sorted.</summary>
    public IReadOnlyList<string> DecidingRules => Findings
        .Where(f => f.Suppressed is null && f.Severity == (Verdict == Verdict.Block ? Severity.Block : Severity.Warn))
        .Select(f => f.Rule).Distinct().Order(StringComparer.Ordinal).ToList();
}

/// <summary>What a matrix is doing: reading its inputs, or comparing pairs.</summary>
public enum MatrixStage
{
    Reading,
    Comparing,
}

/// <summary>How far a matrix has come: Done of Total inputs read or cells compared.</summary>
public readonly record struct MatrixProgress(MatrixStage Stage, int Done, int Total);

/// <summary>
/// Which Kata releases can talk: every distinct protocol of the catalog as the runtime against every one as the
/// agent. Each side carries its first release's version, so the runtime's required RPCs are its own release's.
/// </summary>
public static class ReleaseMatrix
{
    /// <param name="progress">Told after each cell, for a person watching a long run; null: nobody is.</param>
    public static IReadOnlyList<MatrixCell> Compute(ReleaseCatalog catalog, CompatibilityOptions options, IProgress<MatrixProgress>? progress = null)
    {
        var protocols = catalog.Protocols.ToList();
        int total = protocols.Count * protocols.Count;
        var cells = new List<MatrixCell>(total);
        foreach (string runtime in protocols)
        {
            var runtimeSurface = catalog.Surface(runtime).WithVersion(runtime);
            foreach (string agent in protocols)
            {
                var findings = CompatibilityChecker.Compare(runtimeSurface, catalog.Surface(agent).WithVersion(agent), options);
                cells.Add(new MatrixCell(runtime, agent, VerdictCalculator.From(findings), findings));
                progress?.Report(new MatrixProgress(MatrixStage.Comparing, cells.Count, total));
            }
        }
        return cells;
    }
}
