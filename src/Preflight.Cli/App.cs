using System.CommandLine;
using Preflight.Checking;
using Preflight.Cli.Commands;

namespace Preflight.Cli;

/// <summary>
/// The command line: a thin composition of the layers. Every command returns an exit code; every failure the user
/// can fix becomes one line on stderr and exit 3; only a bug in kata-preflight itself gives exit 4.
/// </summary>
public static class App
{
    public static string Version =>
        typeof(App).Assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";

    /// <summary>The command tree without any console attached: what the documentation tests walk.</summary>
    public static RootCommand BuildRoot() => BuildRoot(new CliIo(TextWriter.Null, TextWriter.Null, TextReader.Null, false));

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin)
    {
        var io = new CliIo(stdout, stderr, stdin, ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected
            && Environment.GetEnvironmentVariable("NO_COLOR") is null)
        {
            ErrorIsTerminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected,
        };
        RootCommand root = BuildRoot(io);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (string error in UsageErrors.Describe(parsed))
            {
                stderr.WriteLine($"kata-preflight: {error}");
            }
            stderr.WriteLine($"kata-preflight: see `{UsageErrors.HelpFor(parsed)}`");
            return ExitCodes.Usage;
        }

        bool verbose = args.Contains("--verbose") || args.Contains("-v");
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (PreflightInputException e)
        {
            // Every layer's input error derives from this one type: the file is at fault, not kata-preflight.
            stderr.WriteLine($"kata-preflight: error: {e.Message}");
            return ExitCodes.Unreadable;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The operating system refused a read (missing, vanished, permission): the input, not a bug. IOException
            // covers FileNotFoundException and DirectoryNotFoundException.
            stderr.WriteLine($"kata-preflight: error: {e.Message}");
            return ExitCodes.Unreadable;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"kata-preflight: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (Exception e)
        {
            stderr.WriteLine($"kata-preflight: internal error: {e.GetType().Name}: {e.Message} (this is a bug in kata-preflight; please report it)");
            if (verbose)
            {
                stderr.WriteLine(e.ToString());
            }
            return ExitCodes.InternalError;
        }
    }

    private static RootCommand BuildRoot(CliIo io)
    {
        var root = new RootCommand(
            "kata-preflight: check, without booting anything, that a Kata guest image's agent speaks the protocol " +
            "of the installed runtime.\n" + ExitCodes.HelpText);
        root.Subcommands.Add(CheckCommand.Build(io));
        root.Subcommands.Add(InspectCommands.Build(io));
        root.Subcommands.Add(DiffCommand.Build(io));
        root.Subcommands.Add(MatrixCommand.Build(io));
        root.Subcommands.Add(ReleasesCommand.Build(io));
        root.Subcommands.Add(FingerprintCommand.Build(io));
        root.Subcommands.Add(ExportProtoCommand.Build(io));
        root.Subcommands.Add(RulesCommand.Build(io));
        root.Subcommands.Add(HookCommand.Build(io));
        VersionText.Install(root, io.Out);
        return root;
    }
}

/// <summary>Where a command reads and writes: the real console, or a test's writers.</summary>
public sealed record CliIo(TextWriter Out, TextWriter Error, TextReader In, bool Color)
{
    /// <summary>Whether Error is a terminal someone watches (not a file, pipe or test writer): only then is progress shown.</summary>
    public bool ErrorIsTerminal { get; init; }
}
