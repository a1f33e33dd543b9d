using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Tests;

/// <summary>
/// The catalog matrix (25 x 25 distinct protocols, runtime x agent) against the reviewed table in
/// testdata/release-matrix.tsv: one line per cell, "runtime agent verdict deciding-rules". A change of any verdict
/// fails here and must be reviewed against Kata's history (kata-facts.md) before the table is updated.
/// </summary>
public class ReleaseMatrixTests
{
    private static readonly Lazy<IReadOnlyList<MatrixCell>> Cells =
        new(() => ReleaseMatrix.Compute(ReleaseCatalog.Default, CompatibilityOptions.Default));

    private static string Line(MatrixCell cell) =>
        $"{cell.Runtime}\t{cell.Agent}\t{cell.Verdict.ToString().ToLowerInvariant()}\t{string.Join(",", cell.DecidingRules)}";

    [Fact]
    public void EveryCellMatchesTheReviewedTable()
    {
        var expected = File.ReadAllLines(TestData.Path("release-matrix.tsv"))
            .Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();
        var actual = Cells.Value.Select(Line).ToList();
        Assert.Equal(25 * 25, actual.Count);
        Assert.Empty(actual.Except(expected).Select(l => "new: " + l).Concat(expected.Except(actual).Select(l => "gone: " + l)));
    }

    [Fact]
    public void TheDiagonalPassesAndNothingInItIsUnverified()
    {
        foreach (var cell in Cells.Value.Where(c => c.Runtime == c.Agent))
        {
            Assert.True(cell.Verdict == Verdict.Pass, $"{cell.Runtime}: {string.Join("; ", cell.Findings.Select(f => f.Rule + " " + f.Subject))}");
        }
    }

    [Fact]
    public void OneXAndTwoXNeverTalk()
    {
        foreach (var cell in Cells.Value.Where(c => c.Runtime.StartsWith("1.", StringComparison.Ordinal) != c.Agent.StartsWith("1.", StringComparison.Ordinal)))
        {
            Assert.Contains("TRANSPORT_MISMATCH", cell.DecidingRules);
        }
    }

    [Fact]
    public void KnownBreaksOfKatasHistoryBlock()
    {
        MatrixCell Cell(string runtime, string agent) => Cells.Value.Single(c => c.Runtime == runtime && c.Agent == agent);
        // LinuxSeccomp/LinuxSyscall renumbered between 2.0.x and 2.1.0.
        Assert.Contains(Cell("2.0.0", "2.2.0").Findings, f => f.Severity == Severity.Block && f.Subject.StartsWith("grpc.LinuxSeccomp", StringComparison.Ordinal));
        // A 3.2+ runtime calls RemoveStaleVirtiofsShareMounts on every container stop; 3.1 agents lack it.
        Assert.Contains(Cell("3.2.0", "2.5.0").Findings, f => f.Rule == "RPC_MISSING" && f.Severity == Severity.Block
            && f.Subject == "grpc.AgentService.RemoveStaleVirtiofsShareMounts");
        // Same transport, only added RPCs the old runtime never calls: a new agent serves an old runtime.
        Assert.NotEqual(Verdict.Block, Cell("3.3.0", "3.29.0").Verdict);
    }
}
