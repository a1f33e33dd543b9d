using System.CommandLine;
using Microsoft.Extensions.Logging;
using Preflight.Cli.Checking;
using Preflight.Cli.Policy;
using Preflight.Cli.Reports;
using Preflight.Host.Apt;
using Preflight.Host.Config;

namespace Preflight.Cli.Commands;

/// <summary>
/// `kata-preflight hook apt`: run by APT (packaging/apt/70kata-preflight, DPkg::Pre-Install-Pkgs, protocol 3)
/// after the .debs are downloaded and before dpkg unpacks any. When the transaction brings a new Kata runtime or
/// guest image, it checks the new pair (new runtime + installed image, installed runtime + new image, or both
/// new) and prints the report to stderr, which APT shows. It exits 1, the only status that stops APT, on a block
/// verdict and only when the admin opted in to enforcement; everything else, including its own failures, is a
/// warning and exit 0, so a bug here can never wedge package management.
/// </summary>
public static class HookCommand
{
    /// <summary>Enforcement switch file, as the packaging hooks test it; looked up under --root.</summary>
    public const string EnforceFile = "/etc/kata-preflight/enforce";

    /// <summary>Enforcement switch variable; only the value "1" turns it on, as in the packaging snippets.</summary>
    public const string EnforceVariable = "KATA_PREFLIGHT_ENFORCE";

    public static Command Build(CliIo io)
    {
        var command = new Command("hook", "Entry points for package managers' hooks (installed by the kata-preflight package).");
        command.Subcommands.Add(BuildApt(io));
        return command;
    }

    private static Command BuildApt(CliIo io)
    {
        var root = new Option<string?>("--root") { Description = "Treat DIR as the host's / (the installed Kata, policy and enforce file are read under it).", HelpName = "DIR" };
        var policy = new Option<string?>("--policy") { Description = $"Policy file (TOML); default {PreflightPolicy.DefaultPath} under --root when it exists.", HelpName = "FILE" };
        var verbose = CommonOptions.Verbose();
        var command = new Command("apt",
            "APT DPkg::Pre-Install-Pkgs hook (protocol version 3 on stdin): check the Kata runtime and guest image " +
            "this transaction installs against what stays installed. Exits 1 only on a block verdict with " +
            $"enforcement on ({EnforceFile} exists or {EnforceVariable}=1); otherwise warns and exits 0.")
        {
            root, policy, verbose,
        };
        command.SetAction(parse =>
        {
            var options = new HookOptions(parse.GetValue(root), parse.GetValue(policy), parse.GetValue(verbose));
            try
            {
                return RunApt(io, options);
            }
            catch (Exception e)
            {
                // Whatever went wrong is ours, not the admin's: say so and let the upgrade go on.
                io.Error.WriteLine($"kata-preflight: warning: the APT hook could not check this upgrade ({e.GetType().Name}: {e.Message}); continuing");
                if (options.Verbose)
                {
                    io.Error.WriteLine(e.ToString());
                }
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private sealed record HookOptions(string? Root, string? Policy, bool Verbose);

    private static int RunApt(CliIo io, HookOptions options)
    {
        AptHookInput input = AptHookInput.Parse(io.In);
        // Only unpacked .debs bring anything new; a removal or a bare configure leaves nothing to compare.
        var debs = input.KataActions
            .Where(action => action.Action == AptActionKind.Install && action.DebPath is not null)
            .Select(action => action.DebPath!)
            .Distinct(StringComparer.Ordinal) // two actions naming one .deb still read it once
            .ToList();
        if (debs.Count == 0)
        {
            return ExitCodes.Ok; // the common case: an upgrade that does not touch Kata; stay silent
        }

        HostRoot hostRoot = CliInputs.HostRootFrom(options.Root);
        using ILoggerFactory loggers = CliLogging.Create(options.Verbose, quiet: false, io.Error);
        using var temp = new TemporaryDirectory();
        CandidatePair pair = PackageCandidates.Extract(debs, temp.Path, temp.Budget);
        foreach (string note in pair.Notes)
        {
            io.Error.WriteLine($"kata-preflight: {note}");
        }
        if (pair.RuntimePath is null && pair.ImagePath is null)
        {
            io.Error.WriteLine(pair.Problems.Count > 0
                ? $"kata-preflight: warning: the Kata packages of this upgrade could not be read ({pair.Problems[0].Message}); nothing to check, continuing"
                : "kata-preflight: the Kata packages in this upgrade carry no runtime or guest image; nothing to check");
            return ExitCodes.Ok;
        }

        PreflightPolicy policy = CliInputs.LoadPolicy(hostRoot, options.Policy);
        CheckReport report;
        try
        {
            report = new HostChecker(loggers).Run(new CheckRequest(hostRoot, [], pair.ImagePath, pair.RuntimePath, policy, "the packages of this APT transaction"));
        }
        catch (NothingToInspectException e)
        {
            // e.g. a first install of only the runtime: no installed image to pair it with yet.
            io.Error.WriteLine($"kata-preflight: warning: nothing to check the new Kata packages against ({e.Message}); continuing");
            return ExitCodes.Ok;
        }

        io.Error.WriteLine("kata-preflight: checking the Kata packages of this upgrade:");
        new CheckTextReporter(io.Error, color: false, quiet: false, options.Verbose).Write(report);
        if (!report.AnythingCompared)
        {
            io.Error.WriteLine("kata-preflight: warning: the new Kata runtime and guest agent could not be compared (see above); continuing");
            return ExitCodes.Ok;
        }
        if (CheckCommand.ExitCodeFor(report.Verdict, policy.FailOn) != ExitCodes.Block)
        {
            return ExitCodes.Ok;
        }
        return Blocked(io, hostRoot);
    }

    private static int Blocked(CliIo io, HostRoot hostRoot)
    {
        bool enforce = IsEnforced(hostRoot);
        io.Error.WriteLine("");
        io.Error.WriteLine("************************************************************************");
        io.Error.WriteLine("* kata-preflight: BLOCK - after this upgrade the Kata runtime and the  *");
        io.Error.WriteLine("* guest agent would not speak a compatible protocol. New Kata pods may *");
        io.Error.WriteLine("* fail to start. See the report above.                                 *");
        io.Error.WriteLine("************************************************************************");
        if (enforce)
        {
            io.Error.WriteLine($"kata-preflight: enforcement is on ({EnforceFile} or {EnforceVariable}=1): stopping this upgrade");
            return ExitCodes.Block;
        }
        io.Error.WriteLine($"kata-preflight: warning: continuing anyway; create {EnforceFile} to stop such upgrades");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Same switch as packaging/hooks/*.snippet: <c>[ -e /etc/kata-preflight/enforce ]</c> (anything by that name,
    /// even a directory) or the variable is exactly "1".
    /// </summary>
    public static bool IsEnforced(HostRoot hostRoot) =>
        Environment.GetEnvironmentVariable(EnforceVariable) == "1"
        || (hostRoot.Resolve(EnforceFile) is string real && Path.Exists(real));
}
