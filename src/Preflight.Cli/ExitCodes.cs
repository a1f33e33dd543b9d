namespace Preflight.Cli;

/// <summary>Exit codes are part of the interface: package hooks and CI branch on them. Documented in --help and the README.</summary>
public static class ExitCodes
{
    /// <summary>Pass, or warnings only (unless --fail-on warn).</summary>
    public const int Ok = 0;

    /// <summary>A blocking finding (or a warning under --fail-on warn): do not boot this pair.</summary>
    public const int Block = 1;

    /// <summary>The command line was wrong.</summary>
    public const int Usage = 2;

    /// <summary>Nothing could be inspected: no Kata found, or the input files are unreadable or malformed.</summary>
    public const int Unreadable = 3;

    /// <summary>kata-preflight itself failed (a bug): hooks treat this as "could not check", never as a verdict.</summary>
    public const int InternalError = 4;

    public const string HelpText =
        "Exit codes: 0 pass (warnings allowed), 1 block (or warn with --fail-on warn), 2 usage error, " +
        "3 nothing could be inspected (no Kata found, unreadable or malformed input), 4 internal error.";
}
