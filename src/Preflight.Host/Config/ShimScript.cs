using System.Text;

namespace Preflight.Host.Config;

/// <summary>
/// A wrapper script standing where containerd looks for a shim, understood from its text (never run): the program
/// it execs and the environment it sets, e.g. kata-deploy's
/// `KATA_CONF_FILE=/opt/kata/share/defaults/kata-containers/configuration-qemu.toml /opt/kata/bin/containerd-shim-kata-v2 "$@"`.
/// </summary>
public sealed record ShimScript(string ExecPath, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>Wrappers are a few lines; a larger file is something else and is not read.</summary>
    public const int MaxBytes = 16 * 1024;

    /// <summary>
    /// The wrapper's target and environment, or null when the text is not one of the simple forms:
    /// comment lines, `set ...` lines, `export NAME=VALUE` lines, then exactly one command
    /// `[exec] [env] [NAME=VALUE ...] [exec] /absolute/program "$@"` (backslash continuations joined).
    /// Values must be literal: anything that needs a shell to evaluate ($VAR, $(...), globs, pipes, `;`, `&amp;&amp;`)
    /// makes the script "not understood", because guessing would name the wrong file with confidence.
    /// </summary>
    public static ShimScript? Parse(string text)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        string? execPath = null;
        foreach (string line in LogicalLines(text))
        {
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
            {
                continue;
            }
            if (trimmed == "set" || trimmed.StartsWith("set ", StringComparison.Ordinal))
            {
                // `set -e`, `set -o errexit`: shell options that do not change what runs.
                continue;
            }
            if (execPath is not null)
            {
                // A second command: the wrapper does more than hand over to one program.
                return null;
            }
            if (Words(trimmed) is not List<string> words)
            {
                return null;
            }
            int i = 0;
            if (words[0] == "export")
            {
                if (words.Count == 1 || !words.Skip(1).All(w => Assignment(w) is not null))
                {
                    return null;
                }
                foreach (string word in words.Skip(1))
                {
                    (string name, string value) = Assignment(word)!.Value;
                    environment[name] = value;
                }
                continue;
            }
            if (words[i] == "exec")
            {
                i++;
            }
            if (i < words.Count && words[i] == "env")
            {
                i++;
            }
            while (i < words.Count && Assignment(words[i]) is (string name, string value))
            {
                environment[name] = value;
                i++;
            }
            if (i == words.Count)
            {
                // Only assignments: plain shell variables, not exported to the program unless something else
                // exports them. Too subtle to follow from text.
                return null;
            }
            if (words[i] == "exec")
            {
                i++;
            }
            if (i >= words.Count || !words[i].StartsWith('/'))
            {
                return null;
            }
            string program = words[i++];
            if (i < words.Count && words[i] == "$@")
            {
                i++;
            }
            if (i != words.Count)
            {
                // Extra arguments could change what the program does; do not pretend to know.
                return null;
            }
            execPath = program;
        }
        return execPath is null ? null : new ShimScript(execPath, environment);
    }

    /// <summary>Lines with backslash-newline continuations joined, as the shell reads them.</summary>
    private static IEnumerable<string> LogicalLines(string text)
    {
        var current = new StringBuilder();
        foreach (string raw in text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n'))
        {
            if (raw.EndsWith('\\'))
            {
                current.Append(raw, 0, raw.Length - 1).Append(' ');
                continue;
            }
            current.Append(raw);
            yield return current.ToString();
            current.Clear();
        }
        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    /// <summary>
    /// Splits a command line into words, removing "..." and '...' quotes. Returns null for anything beyond literal
    /// words and a trailing `"$@"` (which comes back as the word `$@`): expansions, operators, redirections, escapes.
    /// </summary>
    private static List<string>? Words(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        int i = 0;
        while (i < line.Length)
        {
            char c = line[i];
            if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
                i++;
                continue;
            }
            if (c == '#' && !inWord)
            {
                break;
            }
            inWord = true;
            if (c == '\'' || c == '"')
            {
                int close = line.IndexOf(c, i + 1);
                if (close < 0)
                {
                    return null;
                }
                string quoted = line.Substring(i + 1, close - i - 1);
                if (c == '"' && quoted == "$@")
                {
                    word.Append("$@");
                }
                else if (c == '"' && quoted.IndexOfAny(['$', '`', '\\']) >= 0)
                {
                    return null;
                }
                else
                {
                    word.Append(quoted);
                }
                i = close + 1;
                continue;
            }
            if ("$`\\;|&<>(){}*?[]~".Contains(c))
            {
                if (c == '$' && line.AsSpan(i).StartsWith("$@") && word.Length == 0
                    && (i + 2 == line.Length || char.IsWhiteSpace(line[i + 2])))
                {
                    word.Append("$@");
                    i += 2;
                    continue;
                }
                return null;
            }
            word.Append(c);
            i++;
        }
        if (inWord)
        {
            words.Add(word.ToString());
        }
        return words.Count == 0 ? null : words;
    }

    /// <summary>NAME=VALUE with a shell variable name, or null.</summary>
    private static (string Name, string Value)? Assignment(string word)
    {
        int equals = word.IndexOf('=');
        if (equals <= 0)
        {
            return null;
        }
        string name = word[..equals];
        bool valid = (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_');
        return valid ? (name, word[(equals + 1)..]) : null;
    }
}
