using System.CommandLine;

namespace Preflight.Cli.Commands;

/// <summary>Options several commands share, built the same way everywhere.</summary>
public static class CommonOptions
{
    public static Option<string> Format(params string[] formats)
    {
        var option = new Option<string>("--format")
        {
            Description = "Output format: " + string.Join(", ", formats) + ".",
            DefaultValueFactory = _ => formats[0],
        };
        option.AcceptOnlyFromAmong(formats);
        return option;
    }

    public static Option<bool> Verbose() => new("--verbose", "-v") { Description = "Log what was found where, and why, to stderr." };

    public static Argument<string> File(string name, string description) => new(name) { Description = description };
}
