namespace Preflight.Host;

/// <summary>
/// The host layer's one exception: a configuration file that cannot be read or parsed. It names the file and,
/// for syntax errors, the line and column, so the CLI can print one line an admin can act on.
/// </summary>
public sealed class HostConfigException : PreflightInputException
{
    public HostConfigException(string file, string problem, int? line = null, int? column = null, Exception? inner = null)
        : base(file, problem, Format(file, problem, line, column), inner)
    {
        Line = line;
        Column = column;
    }

    public int? Line { get; }

    public int? Column { get; }

    private static string Format(string file, string problem, int? line, int? column) =>
        line is int l ? $"{file}:{l}:{column ?? 1}: {problem}" : $"{file}: {problem}";
}
