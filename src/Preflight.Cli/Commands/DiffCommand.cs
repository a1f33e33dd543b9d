using System.CommandLine;
using Preflight.Binaries;
using Preflight.Checking;
using Preflight.Cli.Reports;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Commands;

/// <summary>`kata-preflight diff --agent SRC --runtime SRC`: the compatibility engine on two named inputs.</summary>
public static class DiffCommand
{
    public static Command Build(CliIo io)
    {
        var agent = new Option<string>("--agent") { Description = "The agent side: a guest image, a kata-agent binary, or a FileDescriptorSet.", Required = true, HelpName = "SRC" };
        var runtime = new Option<string>("--runtime") { Description = "The runtime side: a runtime binary or a FileDescriptorSet.", Required = true, HelpName = "SRC" };
        var format = CommonOptions.Format("text", "json");
        var verbose = CommonOptions.Verbose();
        var command = new Command("diff",
            "Compare a runtime's protocol with an agent's, from the caller's side (runtime = client, agent = server).\n" +
            "Exit codes: 0 pass or warn, 1 block, 2 usage, 3 unreadable input, 4 internal error.")
        {
            agent, runtime, format, verbose,
        };
        command.SetAction(parse =>
        {
            CompatibilityOptions options = CompatibilityOptions.Default;
            LoadedSide agentSide = ProtocolSource.Load(parse.GetValue(agent)!, "agent", options);
            LoadedSide runtimeSide = ProtocolSource.Load(parse.GetValue(runtime)!, "runtime", options);
            IReadOnlyList<Finding> findings = PairCheck.Findings(agentSide, runtimeSide, options);
            Verdict verdict = VerdictCalculator.From(findings);
            bool showInfo = parse.GetValue(verbose);

            if (parse.GetValue(format) == "json")
            {
                io.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("verdict", Words.Of(verdict));
                    WriteSide(w, "agent", agentSide, options);
                    WriteSide(w, "runtime", runtimeSide, options);
                    FindingJson.WriteFindings(w, "findings", findings);
                    w.WriteEndObject();
                }));
            }
            else
            {
                io.Out.WriteLine($"agent    {agentSide.Path} ({Describe(agentSide)})");
                io.Out.WriteLine($"runtime  {runtimeSide.Path} ({Describe(runtimeSide)})");
                foreach (Finding f in findings.Where(f => showInfo || f.Severity != Severity.Info))
                {
                    io.Out.WriteLine($"  {Words.Of(f.Severity).ToUpperInvariant(),-5}  {f.Rule}  {f.Subject}: {f.Message}");
                }
                int hidden = findings.Count(f => !showInfo && f.Severity == Severity.Info);
                io.Out.WriteLine($"verdict: {Words.Of(verdict).ToUpperInvariant()}" + (hidden > 0 ? $" ({hidden} info finding(s) hidden; --verbose shows them)" : ""));
            }
            return verdict == Verdict.Block ? ExitCodes.Block : ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>"binary, 2.2.0, ttrpc, fingerprint sha256:... (descriptors; equal to Kata 2.2.0-2.2.1)".</summary>
    private static string Describe(LoadedSide side)
    {
        ResolvedProtocol r = side.Resolved;
        string text = $"{side.Kind}, {side.Facts?.Version?.Version ?? "version unknown"}, {r.Surface.Transport.Name() ?? "transport unknown"}, " +
            $"fingerprint {r.Fingerprint ?? "none"} ({r.FingerprintBasis}" +
            (r.MatchingReleasesText is string releases ? $"; equal to Kata {releases}" : "") + ")";
        return r.Surface.CatalogProtocol is string protocol && r.Surface.CatalogParts.Count > 0
            ? text + $"; from the release catalog (protocol {protocol}): {string.Join("; ", r.Surface.CatalogParts)}"
            : text;
    }

    private static void WriteSide(System.Text.Json.Utf8JsonWriter w, string name, LoadedSide side, CompatibilityOptions options)
    {
        ResolvedProtocol r = side.Resolved;
        w.WriteStartObject(name);
        w.WriteString("path", side.Path);
        w.WriteString("kind", side.Kind);
        w.StringOrNull("version", side.Facts?.Version?.Version);
        w.StringOrNull("transport", r.Surface.Transport.Name());
        w.StringOrNull("fingerprint", r.Fingerprint);
        w.WriteString("fingerprintBasis", r.FingerprintBasis);
        w.StringOrNull("releases", r.MatchingReleasesText);
        w.StringOrNull("catalogProtocol", r.Surface.CatalogProtocol);
        w.WriteEndObject();
    }
}
