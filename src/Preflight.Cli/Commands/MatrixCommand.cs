using System.CommandLine;
using Preflight.Host.Config;
using Preflight.Checking.Policy;
using Microsoft.Extensions.Logging;
using Preflight.Checking;
using Preflight.Cli.Reports;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Commands;

/// <summary>
/// `kata-preflight matrix`: which agents and runtimes can talk, as one table. Either Kata's own releases (the shipped
/// catalog, `--releases`) or every given agent against every given runtime (`--agent`, `--runtime`, repeatable).
/// </summary>
public static class MatrixCommand
{
    public static Command Build(CliIo io)
    {
        var releases = new Option<bool>("--releases") { Description = "Every distinct protocol of Kata's releases (the shipped catalog) against every other." };
        var agents = new Option<string[]>("--agent") { Description = "An agent side: a guest image, a kata-agent binary or a FileDescriptorSet; repeatable.", HelpName = "SRC" };
        var runtimes = new Option<string[]>("--runtime") { Description = "A runtime side: a runtime binary or a FileDescriptorSet; repeatable.", HelpName = "SRC" };
        var root = new Option<string?>("--root") { Description = "Every guest image this host's Kata configurations name against every runtime they use (DIR as the host's /).", HelpName = "DIR" };
        var format = CommonOptions.Format("text", "json", "tsv", "html");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Show no progress line on stderr (shown only when stderr is a terminal)." };
        var command = new Command("matrix",
            "Compare every agent with every runtime (rows: runtimes, columns: agents) and print the verdict of each pair.\n" +
            "Exit codes: 0 the table was computed, 2 usage, 3 an input is unreadable, 4 internal error.")
        {
            releases, agents, runtimes, root, format, quiet,
        };
        command.SetAction(parse =>
        {
            string[] agentFiles = parse.GetValue(agents) ?? [];
            string[] runtimeFiles = parse.GetValue(runtimes) ?? [];
            string? rootDirectory = parse.GetValue(root);
            int sources = (parse.GetValue(releases) ? 1 : 0) + (rootDirectory is null ? 0 : 1) + (agentFiles.Length + runtimeFiles.Length > 0 ? 1 : 0);
            if (sources > 1)
            {
                throw new UsageException("matrix: give one of --releases, --root DIR, or --agent and --runtime");
            }
            if (!parse.GetValue(releases) && rootDirectory is null && (agentFiles.Length == 0 || runtimeFiles.Length == 0))
            {
                throw new UsageException("matrix: give --releases, or at least one --agent and one --runtime");
            }
            MatrixResult matrix;
            string title;
            // The progress line is erased before the table is written: stdout may be the same terminal.
            using (ProgressLine? progress = io.ErrorIsTerminal && !parse.GetValue(quiet) ? new ProgressLine(io.Error) : null)
            {
                (matrix, title) = Compute(io, parse.GetValue(releases), rootDirectory, agentFiles, runtimeFiles, progress);
            }
            Write(io, matrix, parse.GetValue(format)!, title);
            return ExitCodes.Ok;
        });
        return command;
    }

    private static (MatrixResult Matrix, string Title) Compute(CliIo io, bool releases, string? rootDirectory,
        string[] agentFiles, string[] runtimeFiles, IProgress<MatrixProgress>? progress)
    {
        CompatibilityOptions options = CompatibilityOptions.Default;
        if (releases)
        {
            return (PairCheck.Releases(ReleaseCatalog.Default, options, progress), "Which Kata releases can talk");
        }
        if (rootDirectory is not null)
        {
            // The host's own pairs are `check`'s; the matrix adds every other image x runtime combination.
            HostRoot hostRoot = CliInputs.HostRootFrom(rootDirectory);
            PreflightPolicy policy = CliInputs.LoadPolicy(hostRoot, null);
            using ILoggerFactory loggers = CliLogging.Create(false, true, io.Error);
            var checker = new HostChecker(loggers);
            checker.Run(new CheckRequest(hostRoot, [], null, null, policy) { HashBinaries = false }); // no matrix format shows hashes
            MatrixResult matrix = checker.MatrixOfInspected(policy, progress);
            if (matrix.Cells.Count == 0)
            {
                throw new NothingToInspectException($"no guest image and runtime under {hostRoot.RootDirectory} could both be read");
            }
            return (matrix, $"Images against runtimes on {rootDirectory}");
        }
        return (PairCheck.Matrix(agentFiles, runtimeFiles, options, progress), "Agents against runtimes");
    }

    private static void Write(CliIo io, MatrixResult matrix, string format, string title)
    {
        IReadOnlyList<MatrixCell> cells = matrix.Cells;
        switch (format)
        {
            case "html":
                io.Out.Write(MatrixHtml.Write(cells, matrix.Labels, title, VersionText.For(typeof(App).Assembly)));
                break;
            case "json":
                io.Out.WriteLine(Json.Write(w =>
                {
                    w.WriteStartObject();
                    w.WriteStartArray("cells");
                    foreach (MatrixCell cell in cells)
                    {
                        w.WriteStartObject();
                        w.WriteString("agent", cell.Agent);
                        w.WriteString("runtime", cell.Runtime);
                        w.WriteString("verdict", Words.Of(cell.Verdict));
                        FindingJson.WriteFindings(w, "findings", cell.Findings);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }));
                break;
            case "tsv":
                foreach (MatrixCell cell in cells)
                {
                    io.Out.WriteLine($"{cell.Runtime}\t{cell.Agent}\t{Words.Of(cell.Verdict)}\t{string.Join(",", cell.DecidingRules)}");
                }
                break;
            default:
                WriteGrid(io.Out, cells);
                break;
        }
    }

    /// <summary>Rows are runtimes, columns agents; "." pass, "w" warn, "B" block, numbered columns keyed below.</summary>
    private static void WriteGrid(TextWriter output, IReadOnlyList<MatrixCell> cells)
    {
        var runtimes = cells.Select(c => c.Runtime).Distinct().ToList();
        var agents = cells.Select(c => c.Agent).Distinct().ToList();
        var byPair = cells.ToDictionary(c => (c.Runtime, c.Agent));
        int width = runtimes.Max(r => r.Length);
        output.WriteLine($"{"runtime \\ agent",-15}".PadRight(width + 2) + string.Join(" ", agents.Select((_, i) => $"{i + 1,2}")));
        foreach (string runtime in runtimes)
        {
            output.WriteLine(runtime.PadRight(Math.Max(width, 15) + 2) + string.Join(" ", agents.Select(a => $"{Mark(byPair[(runtime, a)].Verdict),2}")));
        }
        output.WriteLine();
        for (int i = 0; i < agents.Count; i++)
        {
            output.WriteLine($"{i + 1,2} agent {agents[i]}");
        }
        output.WriteLine(". pass   w warn   B block (the runtime calls or sends something the agent cannot serve or decode)");
        output.WriteLine($"{cells.Count(c => c.Verdict == Verdict.Pass)} pass, {cells.Count(c => c.Verdict == Verdict.Warn)} warn, " +
            $"{cells.Count(c => c.Verdict == Verdict.Block)} block; `kata-preflight matrix --format json` lists each cell's findings");
    }

    private static string Mark(Verdict verdict) => verdict switch
    {
        Verdict.Pass => ".",
        Verdict.Warn => "w",
        Verdict.Block => "B",
        _ => "?",
    };
}
