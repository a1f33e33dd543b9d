namespace Preflight.Host.Apt;

/// <summary>
/// Raised when what APT wrote to a DPkg::Pre-Install-Pkgs hook does not follow the documented protocol; names the
/// input and the line so the hook can print one clear line.
/// </summary>
public sealed class AptHookFormatException : Exception
{
    public AptHookFormatException(string input, int line, string problem)
        : base($"{input}: line {line}: {problem}")
    {
        Input = input;
        Line = line;
        Problem = problem;
    }

    /// <summary>Where the hook input came from ("stdin", a file name).</summary>
    public string Input { get; }

    public int Line { get; }

    public string Problem { get; }
}
