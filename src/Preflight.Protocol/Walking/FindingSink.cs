namespace Preflight.Protocol.Walking;

/// <summary>
/// Collects findings for one comparison. A scope (one message pair being walked) remembers the worst severity
/// reported inside it, so the walker can tell whether two message types are wire-compatible as a whole.
/// </summary>
internal sealed class FindingSink
{
    private readonly HashSet<Finding> findings;
    private readonly FindingSink? parent;

    public FindingSink()
    {
        findings = [];
    }

    private FindingSink(FindingSink parent)
    {
        this.parent = parent;
        findings = parent.findings;
    }

    public Severity? Worst { get; private set; }

    public FindingSink Scope() => new(this);

    public void Add(RuleInfo rule, string subject, string message, Severity? severity = null, string? direction = null)
    {
        var finding = new Finding(rule.Id, severity ?? rule.DefaultSeverity, subject, message) { Direction = direction };
        findings.Add(finding);
        Raise(finding.Severity);
    }

    /// <summary>Counts a severity found earlier (a message pair walked before) towards this scope.</summary>
    public void Raise(Severity? severity)
    {
        if (severity is null)
        {
            return;
        }
        if (Worst is null || severity > Worst)
        {
            Worst = severity;
        }
        parent?.Raise(severity);
    }

    /// <summary>Worst first, then by rule, subject and message, so the same inputs always print the same report.</summary>
    public IReadOnlyList<Finding> Sorted() => findings
        .OrderByDescending(f => f.Severity)
        .ThenBy(f => f.Rule, StringComparer.Ordinal)
        .ThenBy(f => f.Subject, StringComparer.Ordinal)
        .ThenBy(f => f.Direction ?? "", StringComparer.Ordinal)
        .ThenBy(f => f.Message, StringComparer.Ordinal)
        .ToList();
}
