namespace Preflight.Host;

/// <summary>
/// The host layer's one exception: a configuration file that cannot be read or parsed. It names the file and,
/// for syntax errors, the line and column, so the CLI can print one line an admin can act on.
/// </summary>
public sealed class HostConfigException : Exception
{
    public HostConfigException(string file, string problem, int? line = null, int? column = null, Exception? inner = null)
        : base(Format(file, problem, line, column), inner)
    {
        File = file;
        Problem = problem;
        Line = line;
        Column = column;
    }

    public string File { get; }

    public string Problem { get; }

    public int? Line { get; }

    public int? Column { get; }

    private static string Format(string file, string problem, int? line, int? column) =>
        line is int l ? $"{file}:{l}:{column ?? 1}: {problem}" : $"{file}: {problem}";
}
