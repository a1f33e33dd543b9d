using Preflight.Protocol;

namespace Preflight.Cli.Reports;

/// <summary>The words reports use for severities and verdicts, in one place so text, JSON and SARIF agree.</summary>
public static class Words
{
    public static string Of(Severity severity) => severity switch
    {
        Severity.Block => "block",
        Severity.Warn => "warn",
        _ => "info",
    };

    public static string Of(Verdict verdict) => verdict switch
    {
        Verdict.Block => "block",
        Verdict.Warn => "warn",
        Verdict.Unchecked => "unchecked",
        _ => "pass",
    };

    public static string SarifLevel(Severity severity) => severity switch
    {
        Severity.Block => "error",
        Severity.Warn => "warning",
        _ => "note",
    };
}
