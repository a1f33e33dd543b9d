using System.CommandLine;
using Preflight.Binaries;
using Preflight.Checking;
using Preflight.Cli.Reports;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Commands;

/// <summary>
/// `kata-preflight releases`: Kata's releases as the shipped catalog knows them, one line per distinct protocol,
/// and, given an agent or a runtime, whether each release's other side can talk to it.
/// </summary>
public static class ReleasesCommand
{
    public static Command Build(CliIo io)
    {
        var agent = new Option<string?>("--agent") { Description = "Judge every release's runtime against this agent (image, binary or FileDescriptorSet).", HelpName = "SRC" };
        var runtime = new Option<string?>("--runtime") { Description = "Judge this runtime against every release's agent.", HelpName = "SRC" };
        var format = CommonOptions.Format("text", "json");
        var command = new Command("releases",
            "List Kata's releases and their protocols (" + ReleaseCatalog.Provenance + "); with --agent or --runtime, " +
            "the verdict of each release against it.\nExit codes: 0 listed, 2 usage, 3 unreadable input, 4 internal error.")
        {
            agent, runtime, format,
        };
        command.SetAction(parse =>
        {
            CompatibilityOptions options = CompatibilityOptions.Default;
            ReleaseCatalog catalog = ReleaseCatalog.Default;
            string? agentFile = parse.GetValue(agent);
            string? runtimeFile = parse.GetValue(runtime);
            if (agentFile is not null && runtimeFile is not null)
            {
                throw new UsageException("releases: give --agent or --runtime, not both (`diff` compares two inputs)");
            }
            LoadedSide? given = agentFile is not null ? ProtocolSource.Load(agentFile, "agent", options)
                : runtimeFile is not null ? ProtocolSource.Load(runtimeFile, "runtime", options) : null;

            var rows = new List<(string Protocol, string Tags, int Rpcs, string Fingerprint, Verdict? Verdict, IReadOnlyList<Finding> Findings)>();
            foreach (string protocol in catalog.Protocols)
            {
                ProtocolSurface release = catalog.Surface(protocol).WithVersion(protocol);
                Verdict? verdict = null;
                IReadOnlyList<Finding> findings = [];
                if (given is not null)
                {
                    findings = agentFile is not null
                        ? CompatibilityChecker.Compare(release, given.Surface, options)
                        : CompatibilityChecker.Compare(given.Surface, release, options);
                    verdict = VerdictCalculator.From(findings);
                }
                int rpcs = release.Services.TryGetValue("grpc.AgentService", out var service) ? service.Methods.Count : 0;
                rows.Add((protocol, ReleaseRanges.Describe(catalog.TagsOf(protocol).ToList()), rpcs, catalog.Fingerprint(protocol), verdict, findings));
            }

            if (parse.GetValue(format) == "json")
            {
                io.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteString("provenance", ReleaseCatalog.Provenance);
                    w.WriteStartArray("protocols");
                    foreach (var row in rows)
                    {
                        w.WriteStartObject();
                        w.WriteString("protocol", row.Protocol);
                        w.WriteString("releases", row.Tags);
                        w.WriteString("transport", catalog.TagsOf(row.Protocol).First().Transport.Name());
                        w.WriteNumber("agentServiceRpcs", row.Rpcs);
                        w.WriteString("fingerprint", row.Fingerprint);
                        if (row.Verdict is Verdict v)
                        {
                            w.WriteString("verdict", Words.Of(v));
                            FindingJson.WriteFindings(w, "findings", row.Findings);
                        }
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                return ExitCodes.Ok;
            }

            string heading = agentFile is not null ? "release's runtime vs this agent" : runtimeFile is not null ? "this runtime vs release's agent" : "";
            io.Out.WriteLine($"{"protocol",-9} {"rpcs",4}  {"fingerprint",-18} {(heading.Length > 0 ? $"{heading,-33} " : "")}releases");
            foreach (var row in rows)
            {
                string verdict = row.Verdict is Verdict v
                    ? $"{Words.Of(v).ToUpperInvariant(),-5} {string.Join(",", new MatrixCell("", "", v, row.Findings).DecidingRules),-27} "
                    : "";
                io.Out.WriteLine($"{row.Protocol,-9} {row.Rpcs,4}  {row.Fingerprint[..18]} {verdict}{row.Tags}");
            }
            if (given is not null)
            {
                io.Out.WriteLine($"{given.Path}: {given.Resolved.FingerprintBasis}" +
                    (given.Resolved.MatchingReleasesText is string same ? $", the protocol of Kata {same}" : ", equal to no Kata release"));
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
