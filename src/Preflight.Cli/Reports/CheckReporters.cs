using System.Text.Json;
using Preflight.Binaries;
using Preflight.Checking;
using Preflight.Checking.Policy;
using Preflight.Host.Config;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;
using Preflight.Protocol;

namespace Preflight.Cli.Reports;

/// <summary>
/// Text for people: grouped by configuration, one line per finding, one verdict line, and what to do next. Every line
/// goes through <see cref="TerminalText"/>, so names read from an image (file names, osbuilder.yaml) cannot carry
/// terminal escape sequences to the operator's screen.
/// </summary>
public sealed class CheckTextReporter(TextWriter writer, bool color, bool quiet, bool verbose)
{
    private readonly TerminalText output = new(writer, color);

    public void Write(CheckReport report)
    {
        Verdict verdict = report.Verdict;
        if (quiet && verdict == Verdict.Pass)
        {
            return;
        }
        // One group per configuration and runtime class: two classes may read one file with different shims.
        foreach (IGrouping<(string Config, string? RuntimeClass), CheckTarget> config in report.Targets.GroupBy(t => (t.Config, t.RuntimeClass?.Name)))
        {
            if (!quiet)
            {
                CheckTarget first = config.First();
                output.WriteLine($"{config.Key.Config}  ({first.FoundBy})");
                if (first.RuntimeClass is RuntimeClass runtimeClass)
                {
                    WriteRuntimeClass(runtimeClass);
                }
            }
            foreach (CheckTarget target in config)
            {
                WriteTarget(target);
            }
        }
        WriteVerdict(report, verdict);
    }

    /// <summary>Which shim containerd runs for the class, and how the runtime binary behind it was reached.</summary>
    private void WriteRuntimeClass(RuntimeClass runtimeClass)
    {
        output.WriteLine($"  runtime class {runtimeClass.Name} ({runtimeClass.RuntimeType ?? "no runtime_type"}, {runtimeClass.DefinedIn})");
        string how = runtimeClass.RuntimeFoundBy == runtimeClass.ShimFoundBy
            ? runtimeClass.ShimFoundBy
            : $"{runtimeClass.ShimFoundBy}; {runtimeClass.RuntimeFoundBy}";
        output.WriteLine($"    shim    {runtimeClass.Shim ?? "not found"} ({how})");
    }

    private void WriteTarget(CheckTarget target)
    {
        var shown = target.Findings.Where(f => verbose || f.Severity != Severity.Info).ToList();
        // An ignored finding still stands in the way of "ok": the admin silenced it, the pair did not become compatible.
        bool anythingCounts = shown.Any(f => f.Severity != Severity.Info);
        if (!quiet)
        {
            string label = target.Hypervisor is null ? "" : $"[{target.Hypervisor}] ";
            if (target.Image is ImageSummary image)
            {
                string agent = target.Agent is SideSummary a ? $"agent {a.Version ?? "version unknown"}" : "no agent read";
                output.WriteLine($"  {label}image   {Named(image.Path, image.Package)} ({image.Layout.Name()}, {image.FileSystem.Name()}, {image.AgentPath ?? "no agent"}; {agent})");
            }
            if (target.Runtime is SideSummary runtime)
            {
                output.WriteLine($"  {new string(' ', label.Length)}runtime {Named(runtime.Path, runtime.Package)} ({runtime.Version ?? "version unknown"}, {runtime.Transport.Name() ?? "transport unknown"})");
            }
            WriteProtocolSources(target);
            if (target.Compared && !anythingCounts)
            {
                // "match" means equal wire fingerprints, never merely "no finding".
                output.WriteLine(target.FingerprintsMatch
                    ? $"    {Paint("ok", "32")}     protocols match (fingerprint {Short(target.Agent!.Fingerprint!)})"
                    : $"    {Paint("ok", "32")}     compatible: the runtime's calls are served (fingerprints differ: agent {Short(target.Agent?.Fingerprint)}, runtime {Short(target.Runtime?.Fingerprint)})");
            }
        }
        foreach (Finding finding in shown)
        {
            string severity = finding.Suppressed is not null
                ? Paint("ignored", "2")
                : finding.Severity switch
                {
                    Severity.Block => Paint("BLOCK", "31;1"),
                    Severity.Warn => Paint("WARN ", "33"),
                    _ => Paint("info ", "36"),
                };
            string where = quiet
                ? $"{target.Config}{(target.RuntimeClass is null ? "" : $" (runtime class {target.RuntimeClass.Name})")}" +
                    $"{(target.Hypervisor is null ? "" : $" [{target.Hypervisor}]")}: "
                : "";
            string original = finding.Suppressed is null ? "" : $" [{Words.Of(finding.Severity)}; {finding.Suppressed}]";
            output.WriteLine($"    {severity}  {finding.Rule}  {where}{finding.Subject}: {finding.Message}{original}");
        }
    }

    /// <summary>Where each side's protocol came from, when not only from its own binary, and which releases it equals.</summary>
    private void WriteProtocolSources(CheckTarget target)
    {
        foreach (var (name, side) in new[] { ("agent", target.Agent), ("runtime", target.Runtime) })
        {
            if (side is null)
            {
                continue;
            }
            var parts = new List<string>();
            if (side.CatalogProtocol is string protocol)
            {
                parts.Add($"from the release catalog (protocol {protocol}): {string.Join("; ", side.Catalog)}");
            }
            if (verbose || side.CatalogProtocol is not null)
            {
                parts.Add($"fingerprint {Short(side.Fingerprint)} from {side.FingerprintBasis}" +
                    (side.Releases is string releases ? $", equal to Kata {releases}" : ""));
            }
            if (parts.Count > 0)
            {
                output.WriteLine($"    {name,-7} {string.Join("; ", parts)}");
            }
        }
    }

    private static string Short(string? fingerprint) =>
        fingerprint is null ? "none" : fingerprint.Length > 15 ? fingerprint[..15] + "..." : fingerprint;

    /// <summary>A host path as it is; a file from a package as its installed path, package name, version and file.</summary>
    private static string Named(string path, PackagedFile? package) => package?.ToString() ?? path;

    private void WriteVerdict(CheckReport report, Verdict verdict)
    {
        int blocks = report.CountedFindings.Count(f => f.Severity == Severity.Block);
        int warns = report.CountedFindings.Count(f => f.Severity == Severity.Warn);
        int ignored = report.AllFindings.Count(f => f.Suppressed is not null && f.Severity != Severity.Info);
        int pairs = report.Targets.Count(t => t.Compared);
        string counts = $"{blocks} blocking, {warns} warning(s)" + (ignored > 0 ? $", {ignored} ignored" : "") +
            $"; {pairs} image/runtime pair(s) compared";
        switch (verdict)
        {
            case Verdict.Unchecked:
                output.WriteLine($"verdict: {Paint("NOT CHECKED", "31;1")} ({counts})");
                output.WriteLine("next: nothing was compared, so nothing is known about this host's pairs: fix the problems above " +
                    "(or name the files with --config, --image, --runtime) and run the check again.");
                break;
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

    private string Paint(string text, string code) => TerminalText.Paint(text, code, color);
}

/// <summary>
/// Writes report lines with every control character escaped (\x1b, \r, C1 controls ...), so text that came from an
/// image cannot move the cursor, clear the screen or retitle the terminal. Colours are our own: <see cref="Paint"/>
/// marks them with private-use characters that survive escaping and become SGR sequences only at the end.
/// </summary>
public sealed class TerminalText(TextWriter output, bool color)
{
    private const char SgrStart = '\uE000';
    private const char SgrEnd = '\uE001';

    public static string Paint(string text, string code, bool color) =>
        color ? $"{SgrStart}{code}{SgrEnd}{text}{SgrStart}0{SgrEnd}" : text;

    public void WriteLine(string line)
    {
        var text = new System.Text.StringBuilder(line.Length);
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (color && c == SgrStart && line.IndexOf(SgrEnd, i) is int end and > 0 && IsSgrCode(line.AsSpan(i + 1, end - i - 1)))
            {
                text.Append("\u001b[").Append(line, i + 1, end - i - 1).Append('m');
                i = end;
            }
            else if (char.IsControl(c) || c is SgrStart or SgrEnd || char.IsSurrogate(c) && !IsPaired(line, i))
            {
                text.Append(c <= 0xFF ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
            }
            else
            {
                text.Append(c);
            }
        }
        output.WriteLine(text.ToString());
    }

    private static bool IsSgrCode(ReadOnlySpan<char> code)
    {
        foreach (char c in code)
        {
            if (!char.IsAsciiDigit(c) && c != ';')
            {
                return false;
            }
        }
        return code.Length > 0;
    }

    private static bool IsPaired(string line, int i) =>
        char.IsHighSurrogate(line[i]) ? i + 1 < line.Length && char.IsLowSurrogate(line[i + 1])
        : i > 0 && char.IsHighSurrogate(line[i - 1]);
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
                    context.StringOrNull("runtimeClass", target.RuntimeClass?.Name);
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
            WriteRuntimeClass(w, target.RuntimeClass);
            w.WriteBoolean("compared", target.Compared);
            w.WriteBoolean("fingerprintsMatch", target.FingerprintsMatch);
            w.ObjectOrNull("coverage", target.Coverage, (x, c) =>
            {
                x.WriteNumber("methodsCompared", c.MethodsCompared);
                x.WriteNumber("messagePairsWalked", c.MessagePairsWalked);
                x.WriteNumber("typesUnresolved", c.TypesUnresolved);
            });
            w.WriteString("verdict", Words.Of(target.Verdict));
            WriteImage(w, target.Image);
            WriteSide(w, "agent", target.Agent);
            WriteSide(w, "runtime", target.Runtime);
            FindingJson.WriteFindings(w, "findings", target.Findings);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteEndObject();
    });

    /// <summary>The containerd runtime class of a check (null when the configuration was not found through one).</summary>
    private static void WriteRuntimeClass(Utf8JsonWriter w, RuntimeClass? runtimeClass) => w.ObjectOrNull("runtimeClass", runtimeClass, (x, c) =>
    {
        x.WriteString("name", c.Name);
        x.StringOrNull("runtimeType", c.RuntimeType);
        x.WriteString("definedIn", c.DefinedIn);
        x.StringOrNull("shim", c.Shim);
        x.WriteString("shimFoundBy", c.ShimFoundBy);
        x.StringOrNull("runtime", c.Runtime);
        x.WriteString("runtimeFoundBy", c.RuntimeFoundBy);
        x.WriteString("configFoundBy", c.ConfigFoundBy);
    });

    private static void WriteImage(Utf8JsonWriter w, ImageSummary? image) => w.ObjectOrNull("image", image, (x, i) =>
    {
        x.WriteString("path", i.Path);
        x.WriteString("layout", i.Layout.Name());
        x.WriteString("filesystem", i.FileSystem.Name());
        x.StringOrNull("agentPath", i.AgentPath);
        x.StringOrNull("agentFoundBy", i.AgentFoundBy?.Name());
        x.StringOrNull("osbuilderAgentVersion", i.OsBuilderAgentVersion);
        WritePackage(x, i.Package);
    });

    /// <summary>The package a candidate was read out of (its path is then where the package installs it), or null.</summary>
    private static void WritePackage(Utf8JsonWriter w, PackagedFile? package) => w.ObjectOrNull("package", package, (x, p) =>
    {
        x.WriteString("file", p.PackageFile);
        x.WriteString("name", p.PackageName);
        x.WriteString("version", p.PackageVersion);
    });

    private static void WriteSide(Utf8JsonWriter w, string name, SideSummary? side) => w.ObjectOrNull(name, side, (x, s) =>
    {
        x.WriteString("path", s.Path);
        x.StringOrNull("version", s.Version);
        x.StringOrNull("commit", s.Commit);
        x.StringOrNull("transport", s.Transport.Name());
        x.WriteNumber("descriptors", s.Descriptors);
        x.WriteNumber("methods", s.Methods);
        x.StringOrNull("fingerprint", s.Fingerprint);
        x.WriteString("fingerprintBasis", s.FingerprintBasis);
        x.StringOrNull("releases", s.Releases);
        x.StringOrNull("catalogProtocol", s.CatalogProtocol);
        x.WriteStartArray("fromCatalog");
        foreach (string part in s.Catalog)
        {
            x.WriteStringValue(part);
        }
        x.WriteEndArray();
        x.StringOrNull("sha256", s.Sha256);
        WritePackage(x, s.Package);
    });
}

/// <summary>SARIF 2.1.0 for CI systems: one run, every rule as a reportingDescriptor, every finding as a result.</summary>
public static class CheckSarifReporter
{
    public const string SchemaUri = "https://json.schemastore.org/sarif-2.1.0.json";

    public static string Write(CheckReport report, string toolVersion) => Json.Write(w =>
    {
        IReadOnlyList<Protocol.RuleInfo> rules = AllRules.List;
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
                // A candidate from a package is located in the package file: its scratch copy is gone after the run.
                w.WriteString("uri", ToFileUri(target.Image?.Package is PackagedFile packaged ? Path.GetFullPath(packaged.PackagePath) : target.Image?.Path ?? target.Config));
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteStartArray("logicalLocations");
                w.WriteStartObject();
                w.WriteString("fullyQualifiedName", finding.Subject);
                w.WriteEndObject();
                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndArray();
                if (finding.Suppressed is string reason)
                {
                    w.WriteStartArray("suppressions");
                    w.WriteStartObject();
                    w.WriteString("kind", "external");
                    w.WriteString("justification", reason);
                    w.WriteEndObject();
                    w.WriteEndArray();
                }
                w.WriteStartObject("properties");
                w.WriteString("config", target.Config);
                w.StringOrNull("hypervisor", target.Hypervisor);
                w.StringOrNull("runtimeClass", target.RuntimeClass?.Name);
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
