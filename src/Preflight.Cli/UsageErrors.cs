using System.CommandLine;
using System.CommandLine.Parsing;

namespace Preflight.Cli;

/// <summary>
/// Turns System.CommandLine's parse errors into what a user can act on. An unknown word gets "did you mean" from the
/// commands or options valid at that point (`kata-preflight chek` -> "did you mean 'check'?"), and the follow-on
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
            string? best = Closest(token, candidates);
            lines.Add(best is null ? $"{what} '{token}'" : $"{what} '{token}'; did you mean '{best}'?");
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

    /// <summary>The candidate a typo most plausibly meant: a prefix of it, or within two edits; null when none is close.</summary>
    public static string? Closest(string token, IEnumerable<string> candidates)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in candidates)
        {
            int distance = candidate.StartsWith(token, StringComparison.Ordinal) && token.TrimStart('-').Length >= 2
                ? 0
                : Distance(token, candidate);
            if (distance < bestDistance && distance <= Math.Max(1, Math.Min(2, candidate.Length / 3)))
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>Levenshtein distance, with a swap of neighbours counted as one edit ("chekc" is one typo away).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (int j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
