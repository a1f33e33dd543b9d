using System.CommandLine;
using Preflight.Cli.Checking;
using Preflight.Cli.Reports;
using Preflight.Protocol;

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
            "Exit codes: 0 pass or warn, 1 block, 2 usage, 3 unreadable input.")
        {
            agent, runtime, format, verbose,
        };
        command.SetAction(parse =>
        {
            CompatibilityOptions options = CompatibilityOptions.Default;
            LoadedSide agentSide = ProtocolSource.Load(parse.GetValue(agent)!, options.ConstantValues.ToList());
            LoadedSide runtimeSide = ProtocolSource.Load(parse.GetValue(runtime)!, options.ConstantValues.ToList());
            IReadOnlyList<Finding> findings = CompatibilityChecker.Compare(runtimeSide.Surface, agentSide.Surface, options);
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
                io.Out.WriteLine($"agent    {agentSide.Path} ({agentSide.Kind}, fingerprint {ProtocolFingerprint.Compute(agentSide.Surface, options)})");
                io.Out.WriteLine($"runtime  {runtimeSide.Path} ({runtimeSide.Kind}, fingerprint {ProtocolFingerprint.Compute(runtimeSide.Surface, options)})");
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

    private static void WriteSide(System.Text.Json.Utf8JsonWriter w, string name, LoadedSide side, CompatibilityOptions options)
    {
        w.WriteStartObject(name);
        w.WriteString("path", side.Path);
        w.WriteString("kind", side.Kind);
        w.StringOrNull("version", side.Facts?.Version?.Version);
        w.StringOrNull("transport", side.Facts?.Transport);
        w.WriteString("fingerprint", ProtocolFingerprint.Compute(side.Surface, options));
        w.WriteEndObject();
    }
}
