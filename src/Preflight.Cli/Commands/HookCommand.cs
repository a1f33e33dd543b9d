using System.CommandLine;
using Microsoft.Extensions.Logging;
using Preflight.Checking;
using Preflight.Checking.Policy;
using Preflight.Cli.Reports;
using Preflight.Host.Apt;
using Preflight.Host.Config;
using Preflight.Host.Dnf;

namespace Preflight.Cli.Commands;

/// <summary>
/// `kata-preflight hook apt`, `hook dnf` and `hook check`: what package managers run.
/// <para>
/// `hook apt` is run by APT (packaging/apt/apt-hook, DPkg::Pre-Install-Pkgs, protocol 3) after the .debs are
/// downloaded and before dpkg unpacks any. When the transaction brings a new Kata runtime or guest image, it checks
/// the new pair (new runtime + installed image, installed runtime + new image, or both new) and prints the report to
/// stderr, which APT shows. `hook dnf` does the same for the dnf plugin (packaging/dnf/kata_preflight.py), which
/// runs it after dnf downloaded the .rpms and before rpm installs any. `hook check` is what Kata's own
/// postinst/%posttrans snippets run after an upgrade: the host's check, report on stdout.
/// </para>
/// <para>
/// All exit 1, the only status that stops the package operation, on a block verdict unless the admin turned
/// enforcement off (<see cref="Enforcement"/>). `hook apt` and `hook dnf` turn their own failures into a warning and
/// exit 0, so a bug here can never wedge package management; `hook check` leaves exit 3/4 to the snippets, which warn.
/// </para>
/// </summary>
public static class HookCommand
{
    public static Command Build(CliIo io)
    {
        var command = new Command("hook", "Entry points for package managers' hooks (installed by the kata-preflight package).");
        command.Subcommands.Add(BuildApt(io));
        command.Subcommands.Add(BuildDnf(io));
        command.Subcommands.Add(BuildCheck(io));
        return command;
    }

    private static Option<string?> RootOption() =>
        new("--root") { Description = "Treat DIR as the host's / (the installed Kata and the policy are read under it).", HelpName = "DIR" };

    private static Option<string?> PolicyOption() =>
        new("--policy") { Description = $"Policy file (TOML); default {PreflightPolicy.DefaultPath} under --root when it exists.", HelpName = "FILE" };

    private static Command BuildApt(CliIo io) => BuildTransactionHook(io, "apt",
        "APT DPkg::Pre-Install-Pkgs hook (protocol version 3 on stdin): check the Kata runtime and guest image " +
        "this transaction installs against what stays installed. Exits 1, which stops APT, on a block verdict " +
        $"unless enforcement is off ([hooks] enforce = false in the policy, or {Enforcement.Variable}=0); " +
        "anything that prevents the check is a warning and exit 0.",
        AptHook, ReadAptPackages);

    private static Command BuildDnf(CliIo io) => BuildTransactionHook(io, "dnf",
        "What the dnf plugin runs before rpm installs anything (stdin: one \"NAME PATH\" line per package the " +
        "transaction installs, PATH the downloaded .rpm): check the Kata runtime and guest image this transaction " +
        "installs against what stays installed. Exits 1, which makes the plugin stop dnf, on a block verdict unless " +
        $"enforcement is off ([hooks] enforce = false in the policy, or {Enforcement.Variable}=0); anything that " +
        "prevents the check is a warning and exit 0.",
        DnfHook, ReadDnfPackages);

    /// <summary>How one package manager's hook names itself and what its block stops.</summary>
    /// <param name="Name">As the warnings name it: "the APT hook".</param>
    /// <param name="Transaction">Where the candidates came from, for the report.</param>
    /// <param name="Consequence">What a block with enforcement on does.</param>
    private sealed record TransactionHook(string Name, string Transaction, string Consequence);

    private static readonly TransactionHook AptHook = new("the APT hook", "the packages of this APT transaction",
        "stopping this upgrade before dpkg unpacks anything");

    private static readonly TransactionHook DnfHook = new("the dnf plugin", "the packages of this dnf transaction",
        "stopping this transaction before rpm installs anything");

    /// <summary>The .debs an APT transaction unpacks that are Kata's.</summary>
    private static IReadOnlyList<string> ReadAptPackages(TextReader stdin) =>
        // Only unpacked .debs bring anything new; a removal or a bare configure leaves nothing to compare.
        AptHookInput.Parse(stdin).KataActions
            .Where(action => action.Action == AptActionKind.Install && action.DebPath is not null)
            .Select(action => action.DebPath!)
            .Distinct(StringComparer.Ordinal) // two actions naming one .deb still read it once
            .ToList();

    /// <summary>The downloaded .rpms a dnf transaction installs that are Kata's.</summary>
    private static IReadOnlyList<string> ReadDnfPackages(TextReader stdin) =>
        DnfHookInput.Parse(stdin).KataPackages
            .Select(package => package.RpmPath)
            .Distinct(StringComparer.Ordinal)
            .ToList();

    /// <summary>
    /// `hook apt` and `hook dnf`: one policy for both, only the input differs. A failure to check is never a verdict:
    /// it is a warning and exit 0, so no bug of ours can hold an upgrade hostage.
    /// </summary>
    private static Command BuildTransactionHook(CliIo io, string name, string description, TransactionHook hook,
        Func<TextReader, IReadOnlyList<string>> readKataPackages)
    {
        var root = RootOption();
        var policy = PolicyOption();
        var verbose = CommonOptions.Verbose();
        var command = new Command(name, description)
        {
            root, policy, verbose,
        };
        command.SetAction(parse =>
        {
            var options = new HookOptions(parse.GetValue(root), parse.GetValue(policy), parse.GetValue(verbose));
            try
            {
                return RunTransaction(io, options, hook, readKataPackages(io.In));
            }
            catch (Exception e) when (e is PreflightInputException or UsageException)
            {
                // An input (hook protocol, package, configuration) we could not read, or a policy naming a rule or
                // service we do not know: name it, let the upgrade go on.
                io.Error.WriteLine($"kata-preflight: warning: {hook.Name} could not check this upgrade ({e.Message}); continuing");
                return ExitCodes.Ok;
            }
            catch (Exception e)
            {
                // A bug in kata-preflight must not hold an upgrade hostage either: say whose fault it is and go on.
                io.Error.WriteLine($"kata-preflight: warning: {hook.Name} could not check this upgrade ({e.GetType().Name}: {e.Message}; " +
                    "this is a bug in kata-preflight, please report it); continuing");
                if (options.Verbose)
                {
                    io.Error.WriteLine(e.ToString());
                }
                return ExitCodes.Ok;
            }
        });
        return command;
    }

    private static Command BuildCheck(CliIo io)
    {
        var root = RootOption();
        var policy = PolicyOption();
        var verbose = CommonOptions.Verbose();
        var command = new Command("check",
            "What Kata's postinst/%posttrans snippets run after an upgrade: `check` of the installed pair, report on " +
            "stdout. Exits 1 on a block verdict unless enforcement is off ([hooks] enforce = false in the policy, or " +
            $"{Enforcement.Variable}=0); 0 otherwise; 3 or 4 when it could not check, which the snippets only warn about.")
        {
            root, policy, verbose,
        };
        command.SetAction(parse =>
        {
            HostRoot hostRoot = CliInputs.HostRootFrom(parse.GetValue(root));
            string? policyPath = parse.GetValue(policy);
            PreflightPolicy chosen = CliInputs.LoadPolicy(hostRoot, policyPath);
            using ILoggerFactory loggers = CliLogging.Create(parse.GetValue(verbose), quiet: false, io.Error);
            // A text report, which shows no hashes.
            CheckReport report = new HostChecker(loggers).Run(new CheckRequest(hostRoot, [], null, null, chosen, "--image/--runtime") { HashBinaries = false });
            new CheckTextReporter(io.Out, color: false, quiet: false, parse.GetValue(verbose)).Write(report);
            if (!report.AnythingCompared)
            {
                throw new NothingToInspectException("nothing could be compared: see the report above");
            }
            if (CheckCommand.ExitCodeFor(report.Verdict, chosen.FailOn) != ExitCodes.Block)
            {
                return ExitCodes.Ok;
            }
            return Blocked(io, Enforcement.FromEnvironment(chosen, policyPath ?? PreflightPolicy.DefaultPath),
                "the Kata runtime and the guest agent in the configured image do not speak a compatible protocol",
                "failing this package operation");
        });
        return command;
    }

    private sealed record HookOptions(string? Root, string? Policy, bool Verbose);

    private static int RunTransaction(CliIo io, HookOptions options, TransactionHook hook, IReadOnlyList<string> kataPackages)
    {
        if (kataPackages.Count == 0)
        {
            return ExitCodes.Ok; // the common case: an upgrade that does not touch Kata; stay silent
        }

        HostRoot hostRoot = CliInputs.HostRootFrom(options.Root);
        using ILoggerFactory loggers = CliLogging.Create(options.Verbose, quiet: false, io.Error);
        using var temp = new TemporaryDirectory();
        CandidatePair pair = PackageCandidates.Extract(kataPackages, temp.Path, temp.Budget);
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
            // The copies live in a scratch directory that is gone when the package manager shows this: the report
            // names their packages, as `check --package` does.
            report = PackagedNames.Apply(
                new HostChecker(loggers).Run(new CheckRequest(hostRoot, [], pair.ImagePath, pair.RuntimePath, policy, hook.Transaction)
                {
                    HashBinaries = false, // the hook's report is text, which shows no hashes
                }),
                pair.Copies);
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
        return Blocked(io, Enforcement.FromEnvironment(policy, options.Policy ?? PreflightPolicy.DefaultPath),
            "after this upgrade the Kata runtime and the guest agent would not speak a compatible protocol",
            hook.Consequence);
    }

    private static int Blocked(CliIo io, Enforcement enforcement, string what, string consequence)
    {
        io.Error.WriteLine("");
        io.Error.WriteLine("************************************************************************");
        io.Error.WriteLine("* kata-preflight: BLOCK - see the report above.                        *");
        io.Error.WriteLine("************************************************************************");
        io.Error.WriteLine($"kata-preflight: {what}; new Kata pods may fail to start.");
        if (enforcement.Warning is string warning)
        {
            io.Error.WriteLine($"kata-preflight: warning: {warning}");
        }
        if (enforcement.On)
        {
            io.Error.WriteLine($"kata-preflight: enforcement is on ({enforcement.Reason}): {consequence}.");
            io.Error.WriteLine($"kata-preflight: to go ahead anyway for one run: {Enforcement.Variable}=0 <the same command>; " +
                $"for good: [hooks] enforce = false in {PreflightPolicy.DefaultPath}");
            return ExitCodes.Block;
        }
        io.Error.WriteLine($"kata-preflight: warning: enforcement is off ({enforcement.Reason}): continuing anyway.");
        return ExitCodes.Ok;
    }
}
