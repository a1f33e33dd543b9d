using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;
using Preflight.Checking;

namespace Preflight.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into what a user can act on. An unknown word gets "did you mean" from the
/// commands or options valid at that point (`kata-preflight chek` -> "unknown command 'chek' (did you mean
/// 'check'?)", the same <see cref="Suggestions"/> as for rule and policy names), and the follow-on
/// errors it causes ("Required command was not provided.", "Unrecognized command or argument", the value of a
/// mistyped option left over as a stray argument) are dropped: they describe the same mistake less helpfully. A value
/// an option does not accept is one line naming the option and what it accepts.
/// </summary>
public static class UsageErrors
{
    /// <summary>Where to read more: the help of the command the error is in ("kata-preflight check --help").</summary>
    public static string HelpFor(ParseResult parsed)
    {
        var names = new List<string>();
        for (SymbolResult? result = parsed.CommandResult; result is CommandResult command; result = result.Parent)
        {
            names.Insert(0, command.Command.Name);
        }
        names[0] = "kata-preflight"; // the root's own name is the executable's, whatever it was started as
        return $"{string.Join(' ', names)} --help";
    }

    public static IReadOnlyList<string> Describe(ParseResult parsed)
    {
        var lines = new List<string>();
        Command command = parsed.CommandResult.Command;
        foreach (string token in parsed.UnmatchedTokens.Take(1))
        {
            bool isOption = token.StartsWith('-');
            IEnumerable<string> candidates = isOption ? OptionNames(parsed) : command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name);
            string what = isOption ? "unknown option" : command.Subcommands.Count > 0 ? "unknown command" : "unexpected argument";
            lines.Add($"{what} '{token}'{Suggestions.DidYouMean(token, candidates)}");
        }
        foreach (ParseError error in parsed.Errors)
        {
            bool aboutUnmatched = parsed.UnmatchedTokens.Any(t => error.Message.Contains($"'{t}'", StringComparison.Ordinal));
            bool missingCommand = parsed.UnmatchedTokens.Count > 0 && error.SymbolResult is CommandResult && command.Subcommands.Count > 0;
            if (!aboutUnmatched && !missingCommand)
            {
                lines.Add(NotAChoice(error) ?? error.Message);
            }
        }
        return lines;
    }

    /// <summary>
    /// "--fail-on: 'bad' is not one of block, warn, never" for a value outside an option's fixed list, instead of
    /// System.CommandLine's four lines that do not say which option; null for every other error.
    /// </summary>
    private static string? NotAChoice(ParseError error)
    {
        OptionResult? result = error.SymbolResult as OptionResult ?? (error.SymbolResult as ArgumentResult)?.Parent as OptionResult;
        if (result is null || result.Option.ValueType == typeof(bool))
        {
            return null;
        }
        var accepted = result.Option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToList();
        string? value = result.Tokens.Select(t => t.Value).FirstOrDefault(v => !accepted.Contains(v, StringComparer.Ordinal));
        return accepted.Count == 0 || value is null
            ? null
            : $"{result.Option.Name}: '{value}' is not one of {string.Join(", ", accepted)}{Suggestions.DidYouMean(value, accepted)}";
    }

    /// <summary>The options valid for the parsed command: its own and the recursive ones of its parents (--help, --version).</summary>
    private static IEnumerable<string> OptionNames(ParseResult parsed)
    {
        for (SymbolResult? result = parsed.CommandResult; result is not null; result = result.Parent)
        {
            if (result is CommandResult commandResult)
            {
                bool own = ReferenceEquals(commandResult, parsed.CommandResult);
                foreach (Option option in commandResult.Command.Options.Where(o => !o.Hidden && (own || o.Recursive)))
                {
                    yield return option.Name;
                }
            }
        }
    }
}
