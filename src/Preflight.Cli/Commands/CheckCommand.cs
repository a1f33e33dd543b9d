using System.CommandLine;
using Microsoft.Extensions.Logging;
using Preflight.Checking;
using Preflight.Checking.Policy;
using Preflight.Cli.Reports;
using Preflight.Host.Config;
using Preflight.Protocol;

namespace Preflight.Cli.Commands;

/// <summary>`kata-preflight check`: what admins type and package hooks run.</summary>
public static class CheckCommand
{
    public static Command Build(CliIo io)
    {
        var root = new Option<string?>("--root") { Description = "Treat DIR as the host's / (kata-deploy's view of the host, or a fake host in tests).", HelpName = "DIR" };
        var configs = new Option<string[]>("--config") { Description = "Check this configuration file (host path) instead of discovering them; repeatable.", HelpName = "FILE", AllowMultipleArgumentsPerToken = false };
        var image = new Option<string?>("--image") { Description = "Check this guest image (a candidate, before installing it) instead of the configured one.", HelpName = "FILE" };
        var packages = new Option<string[]>("--package") { Description = "Check the runtime and/or guest image inside this .deb or .rpm before installing it; repeatable.", HelpName = "FILE" };
        var runtime = new Option<string?>("--runtime") { Description = "Check this runtime binary instead of the installed one.", HelpName = "FILE" };
        var policy = new Option<string?>("--policy") { Description = $"Policy file (TOML); default {PreflightPolicy.DefaultPath} (under --root) when it exists.", HelpName = "FILE" };
        var ignore = new Option<string[]>("--ignore") { Description = "Ignore findings of this rule (repeatable, or comma-separated; ALL ignores everything).", HelpName = "RULE" };
        var failOn = new Option<string?>("--fail-on") { Description = "Exit 1 on: block (default), warn, or never.", HelpName = "LEVEL" };
        failOn.AcceptOnlyFromAmong("block", "warn", "never");
        var format = CommonOptions.Format("text", "json", "sarif");
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print nothing when everything passes; only problems otherwise." };
        var verbose = CommonOptions.Verbose();

        var command = new Command("check",
            "Find the Kata configurations on this host, check every configured guest image's agent against the " +
            "installed runtime, and answer pass / warn / block.\n" + ExitCodes.HelpText)
        {
            root, configs, image, runtime, packages, policy, ignore, failOn, format, quiet, verbose,
        };

        command.SetAction(parse =>
        {
            bool isQuiet = parse.GetValue(quiet);
            bool isVerbose = parse.GetValue(verbose);
            using ILoggerFactory loggers = CliLogging.Create(isVerbose, isQuiet, io.Error);

            HostRoot hostRoot = CliInputs.HostRootFrom(parse.GetValue(root));
            PreflightPolicy chosen = CliInputs.LoadPolicy(hostRoot, parse.GetValue(policy))
                .WithCommandLine(parse.GetValue(ignore) ?? [], parse.GetValue(failOn) is string f ? PreflightPolicy.ParseFailOn(f, "--fail-on") : null);

            string? candidateImage = CliInputs.RequireFileOrNull(parse.GetValue(image), allowBlockDevice: true);
            string? candidateRuntime = CliInputs.RequireFileOrNull(parse.GetValue(runtime));
            // A package named twice is read once.
            string[] packageFiles = (parse.GetValue(packages) ?? []).Distinct(StringComparer.Ordinal).ToArray();
            using var extracted = new TemporaryDirectory();
            IReadOnlyDictionary<string, PackagedFile> packagedCopies = new Dictionary<string, PackagedFile>();
            if (packageFiles.Length > 0)
            {
                foreach (string package in packageFiles)
                {
                    CliInputs.RequireFile(package);
                }
                CandidatePair fromPackages = PackageCandidates.Extract(packageFiles, extracted.Path, extracted.Budget);
                if (fromPackages.RuntimePath is null && fromPackages.ImagePath is null)
                {
                    // A broken package says what is broken; "nothing in it" is only the answer for readable ones.
                    throw fromPackages.Problems.Count > 0
                        ? fromPackages.Problems[0]
                        : new InputException(string.Join(", ", packageFiles), "no Kata runtime binary or guest image in the package(s)");
                }
                candidateImage ??= fromPackages.ImagePath;
                candidateRuntime ??= fromPackages.RuntimePath;
                packagedCopies = fromPackages.Copies;
                if (!isQuiet)
                {
                    // What was taken from which package, and what was skipped and why (stderr: stdout is the report).
                    foreach (string note in fromPackages.Notes)
                    {
                        io.Error.WriteLine($"kata-preflight: {note}");
                    }
                }
            }
            var request = new CheckRequest(hostRoot, parse.GetValue(configs) ?? [], candidateImage, candidateRuntime, chosen,
                packageFiles.Length > 0 ? "--package " + string.Join(", ", packageFiles.Select(Path.GetFileName)) : "--image/--runtime")
            {
                HashBinaries = parse.GetValue(format) == "json", // only the JSON report shows each binary's SHA-256
            };

            // The copies live in a scratch directory that is gone after the run: the report names their packages.
            CheckReport report = PackagedNames.Apply(new HostChecker(loggers).Run(request), packagedCopies);
            WriteReport(io, report, parse.GetValue(format)!, isQuiet, isVerbose);

            if (!report.AnythingCompared)
            {
                io.Error.WriteLine("kata-preflight: error: nothing could be inspected: " +
                    string.Join("; ", report.AllFindings.Where(f => f.Severity != Severity.Info).Select(f => $"{f.Subject}: {f.Message}").Distinct().Take(3)));
                return ExitCodes.Unreadable;
            }
            return ExitCodeFor(report.Verdict, chosen.FailOn);
        });
        return command;
    }

    public static int ExitCodeFor(Verdict verdict, FailOn failOn) => (verdict, failOn) switch
    {
        (_, FailOn.Never) => ExitCodes.Ok,
        (Verdict.Block, _) => ExitCodes.Block,
        (Verdict.Warn, FailOn.Warn) => ExitCodes.Block,
        _ => ExitCodes.Ok,
    };

    private static void WriteReport(CliIo io, CheckReport report, string format, bool quiet, bool verbose)
    {
        switch (format)
        {
            case "json":
                io.Out.WriteLine(CheckJsonReporter.Write(report, App.Version));
                break;
            case "sarif":
                io.Out.WriteLine(CheckSarifReporter.Write(report, App.Version));
                break;
            default:
                new CheckTextReporter(io.Out, io.Color, quiet, verbose).Write(report);
                break;
        }
    }
}
