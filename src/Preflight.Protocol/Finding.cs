namespace Preflight.Protocol;

/// <summary>How bad a finding is. Block: the pair cannot work; Warn: some calls may fail or lose data; Info: harmless.</summary>
public enum Severity
{
    Info,
    Warn,
    Block,
}

/// <summary>
/// One thing the compatibility check noticed. Rule is the stable UPPER_SNAKE rule ID; Subject is a protobuf full name
/// (`grpc.AgentService/ReadStdout` for a method, `grpc.ExecProcessRequest.timeout` for a field,
/// `grpc.IPFamily.dual` for an enum value) or, for a string constant, the constant itself. Direction says which way
/// the data involved flows ("request": runtime → agent, "response": agent → runtime), when that matters.
/// </summary>
public sealed record Finding(string Rule, Severity Severity, string Subject, string Message)
{
    public string? Direction { get; init; }

    /// <summary>
    /// Why the admin chose not to count this finding ("--ignore RULE", "policy ignore"), or null. A suppressed finding
    /// stays in every report, marked, and never counts toward the verdict.
    /// </summary>
    public string? Suppressed { get; init; }
}

/// <summary>A rule as documented: stable ID, default severity, the direction it looks at, and what it means.</summary>
public sealed record RuleInfo(string Id, Severity DefaultSeverity, string Direction, string Summary)
{
    /// <summary>A finding of this rule at its default severity.</summary>
    public Finding Report(string subject, string message) => new(Id, DefaultSeverity, subject, message);
}

/// <summary>
/// The overall answer for one runtime/agent pair. Unchecked: nothing could be compared at all, which is its own
/// answer (exit 3), never a pass or a warning.
/// </summary>
public enum Verdict
{
    Pass,
    Warn,
    Block,
    Unchecked,
}

public static class VerdictCalculator
{
    /// <summary>Block if any finding blocks, Warn if any warns, otherwise Pass (info findings never fail a pair, and
    /// suppressed findings never count).</summary>
    public static Verdict From(IEnumerable<Finding> findings)
    {
        ArgumentNullException.ThrowIfNull(findings);
        var verdict = Verdict.Pass;
        foreach (var finding in findings)
        {
            if (finding.Suppressed is not null)
            {
                continue;
            }
            if (finding.Severity == Severity.Block)
            {
                return Verdict.Block;
            }
            if (finding.Severity == Severity.Warn)
            {
                verdict = Verdict.Warn;
            }
        }
        return verdict;
    }
}
