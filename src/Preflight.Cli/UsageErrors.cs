using System.CommandLine;
using System.CommandLine.Parsing;
using Preflight.Checking;

namespace Preflight.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into what a user can act on. An unknown word gets "did you mean" from the
/// commands or options valid at that point (`kata-preflight chek` -> "unknown command 'chek' (did you mean
/// 'check'?)", the same <see cref="Suggestions"/> as for rule and policy names), and the follow-on
/// errors it causes ("Required command was not provided.", "Unrecognized command or argument", the value of a
/// mistyped option left over as a stray argument) are dropped: they describe the same mistake less helpfully.
/// </summary>
public static class UsageErrors
{
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
                lines.Add(error.Message);
            }
        }
        return lines;
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
