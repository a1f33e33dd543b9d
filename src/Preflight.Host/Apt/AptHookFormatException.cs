namespace Preflight.Host.Apt;

/// <summary>
/// Raised when what APT wrote to a DPkg::Pre-Install-Pkgs hook does not follow the documented protocol; names the
/// input (<see cref="PreflightInputException.File"/>: "stdin", a file name) and the line so the hook can print one
/// clear line.
/// </summary>
public sealed class AptHookFormatException : PreflightInputException
{
    public AptHookFormatException(string input, int line, string problem)
        : base(input, problem, $"{input}: line {line}: {problem}")
    {
        Line = line;
    }

    public int Line { get; }
}
