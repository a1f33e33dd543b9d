using System.Text.Json;
using Preflight.Cli.Checking;
using Preflight.Cli.Policy;
using Preflight.Protocol;

namespace Preflight.Cli.Reports;

/// <summary>Text for people: grouped by configuration, one line per finding, one verdict line, and what to do next.</summary>
public sealed class CheckTextReporter(TextWriter output, bool color, bool quiet, bool verbose)
{
    public void Write(CheckReport report)
    {
        Verdict verdict = report.Verdict;
        if (quiet && verdict == Verdict.Pass)
        {
            return;
        }
        foreach (IGrouping<string, CheckTarget> config in report.Targets.GroupBy(t => t.Config))
        {
            if (!quiet)
            {
                output.WriteLine($"{config.Key}  ({config.First().FoundBy})");
            }
            foreach (CheckTarget target in config)
            {
                WriteTarget(target);
            }
        }
        WriteVerdict(report, verdict);
    }

    private void WriteTarget(CheckTarget target)
    {
        var shown = target.Findings.Where(f => verbose || f.Severity != Severity.Info).ToList();
        if (!quiet)
        {
            string label = target.Hypervisor is null ? "" : $"[{target.Hypervisor}] ";
            if (target.Image is ImageSummary image)
            {
                string agent = target.Agent is SideSummary a ? $"agent {a.Version ?? "version unknown"}" : "no agent read";
                output.WriteLine($"  {label}image   {image.Path} ({image.Layout}, {image.FileSystem}, {image.AgentPath ?? "no agent"}; {agent})");
            }
            if (target.Runtime is SideSummary runtime)
            {
                output.WriteLine($"  {new string(' ', label.Length)}runtime {runtime.Path} ({runtime.Version ?? "version unknown"}, {runtime.Transport ?? "transport unknown"})");
            }
            if (target.Compared && shown.Count == 0)
            {
                output.WriteLine($"    {Paint("ok", "32")}     protocols match" +
                    (target.Agent?.Fingerprint is string fp ? $" (fingerprint {fp})" : ""));
            }
        }
        foreach (Finding finding in shown)
        {
            string severity = finding.Severity switch
            {
                Severity.Block => Paint("BLOCK", "31;1"),
                Severity.Warn => Paint("WARN ", "33"),
                _ => Paint("info ", "36"),
            };
            string where = quiet ? $"{target.Config}{(target.Hypervisor is null ? "" : $" [{target.Hypervisor}]")}: " : "";
            output.WriteLine($"    {severity}  {finding.Rule}  {where}{finding.Subject}: {finding.Message}");
        }
    }

    private void WriteVerdict(CheckReport report, Verdict verdict)
    {
        int blocks = report.AllFindings.Count(f => f.Severity == Severity.Block);
        int warns = report.AllFindings.Count(f => f.Severity == Severity.Warn);
        int pairs = report.Targets.Count(t => t.Compared);
        string counts = $"{blocks} blocking, {warns} warning(s); {pairs} image/runtime pair(s) compared";
        switch (verdict)
        {
            case Verdict.Block:
                output.WriteLine($"verdict: {Paint("BLOCK", "31;1")} ({counts})");
                output.WriteLine("next: do not start sandboxes with this pair. Install the guest image shipped with the installed " +
                    "runtime (or keep the runtime that matches the image); accept a finding on purpose with --ignore RULE " +
                    "or a policy file (`kata-preflight rules` explains each rule).");
                break;
            case Verdict.Warn:
                output.WriteLine($"verdict: {Paint("WARN", "33")} ({counts})");
                if (!quiet)
                {
                    output.WriteLine("next: sandboxes should start, but read the warnings above: each names the feature that will not work.");
                }
                break;
            default:
                output.WriteLine($"verdict: {Paint("PASS", "32")} ({counts})");
                break;
        }
    }

    private string Paint(string text, string code) => color ? $"\u001b[{code}m{text}\u001b[0m" : text;
}

/// <summary>JSON for machines: the verdict, every finding (with its target), and what was inspected.</summary>
public static class CheckJsonReporter
{
    public static string Write(CheckReport report, string toolVersion) => Json.Write(w =>
    {
        w.WriteStartObject();
        w.WriteString("tool", "kata-preflight");
        w.WriteString("version", toolVersion);
        w.WriteString("root", report.Root);
        w.WriteString("verdict", Words.Of(report.Verdict));
        w.WriteStartArray("findings");
        foreach (CheckTarget target in report.Targets)
        {
            foreach (Finding finding in target.Findings)
            {
                FindingJson.WriteFinding(w, finding, context =>
                {
                    context.WriteString("config", target.Config);
                    context.StringOrNull("hypervisor", target.Hypervisor);
                });
            }
        }
        w.WriteEndArray();
        w.WriteStartArray("checks");
        foreach (CheckTarget target in report.Targets)
        {
            w.WriteStartObject();
            w.WriteStartObject("config");
            w.WriteString("path", target.Config);
            w.WriteString("foundBy", target.FoundBy);
            w.StringOrNull("hypervisor", target.Hypervisor);
            w.WriteEndObject();
            w.WriteBoolean("compared", target.Compared);
            w.WriteString("verdict", Words.Of(VerdictCalculator.From(target.Findings)));
            WriteImage(w, target.Image);
            WriteSide(w, "agent", target.Agent);
            WriteSide(w, "runtime", target.Runtime);
            FindingJson.WriteFindings(w, "findings", target.Findings);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteImage(Utf8JsonWriter w, ImageSummary? image) => w.ObjectOrNull("image", image, (x, i) =>
    {
        x.WriteString("path", i.Path);
        x.WriteString("layout", i.Layout);
        x.WriteString("filesystem", i.FileSystem);
        x.StringOrNull("agentPath", i.AgentPath);
        x.StringOrNull("agentFoundBy", i.AgentFoundBy);
        x.StringOrNull("osbuilderAgentVersion", i.OsBuilderAgentVersion);
    });

    private static void WriteSide(Utf8JsonWriter w, string name, SideSummary? side) => w.ObjectOrNull(name, side, (x, s) =>
    {
        x.WriteString("path", s.Path);
        x.StringOrNull("version", s.Version);
        x.StringOrNull("commit", s.Commit);
        x.StringOrNull("transport", s.Transport);
        x.WriteNumber("descriptors", s.Descriptors);
        x.WriteNumber("methods", s.Methods);
        x.StringOrNull("fingerprint", s.Fingerprint);
        x.StringOrNull("sha256", s.Sha256);
    });
}

/// <summary>SARIF 2.1.0 for CI systems: one run, every rule as a reportingDescriptor, every finding as a result.</summary>
public static class CheckSarifReporter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    public static string Write(CheckReport report, string toolVersion) => Json.Write(w =>
    {
        IReadOnlyList<Protocol.RuleInfo> rules = CheckRules.Everything;
        var ruleIndex = rules.Select((r, i) => (r.Id, i)).ToDictionary(p => p.Id, p => p.i, StringComparer.Ordinal);

        w.WriteStartObject();
        w.WriteString("$schema", SchemaUri);
        w.WriteString("version", "2.1.0");
        w.WriteStartArray("runs");
        w.WriteStartObject();
        w.WriteStartObject("tool");
        w.WriteStartObject("driver");
        w.WriteString("name", "kata-preflight");
        w.WriteString("version", toolVersion);
        w.WriteString("informationUri", "https://github.com/kata-containers/kata-containers");
        w.WriteStartArray("rules");
        foreach (Protocol.RuleInfo rule in rules)
        {
            w.WriteStartObject();
            w.WriteString("id", rule.Id);
            w.WriteStartObject("shortDescription");
            w.WriteString("text", rule.Summary);
            w.WriteEndObject();
            w.WriteStartObject("defaultConfiguration");
            w.WriteString("level", Words.SarifLevel(rule.DefaultSeverity));
            w.WriteEndObject();
            w.WriteStartObject("properties");
            w.WriteString("direction", rule.Direction);
            w.WriteEndObject();
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();

        w.WriteStartArray("results");
        foreach (CheckTarget target in report.Targets)
        {
            foreach (Finding finding in target.Findings)
            {
                w.WriteStartObject();
                w.WriteString("ruleId", finding.Rule);
                if (ruleIndex.TryGetValue(finding.Rule, out int index))
                {
                    w.WriteNumber("ruleIndex", index);
                }
                w.WriteString("level", Words.SarifLevel(finding.Severity));
                w.WriteStartObject("message");
                w.WriteString("text", $"{finding.Subject}: {finding.Message}");
                w.WriteEndObject();
                w.WriteStartArray("locations");
                w.WriteStartObject();
                w.WriteStartObject("physicalLocation");
                w.WriteStartObject("artifactLocation");
                w.WriteString("uri", ToFileUri(target.Image?.Path ?? target.Config));
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartArray("logicalLocations");
                w.WriteStartObject();
                w.WriteString("fullyQualifiedName", finding.Subject);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteStartObject("properties");
                w.WriteString("config", target.Config);
                w.StringOrNull("hypervisor", target.Hypervisor);
                w.WriteEndObject();
                w.WriteEndObject();
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static string ToFileUri(string path) =>
        path.StartsWith('/') ? new Uri("file://" + path).AbsoluteUri : path;
}
