using System.Text;

namespace Preflight.Host.Apt;

/// <summary>
/// What APT writes to a DPkg::Pre-Install-Pkgs hook (apt.conf(5)). With
/// <c>DPkg::Tools::Options::&lt;cmd&gt;::Version "3"</c> (or "2") the input is: a line "VERSION 3"; the APT
/// configuration, one "key=value" line each (special characters %-encoded, list items as "key::=value"), ended by
/// a blank line; then one line per package action (see <see cref="AptPackageAction"/>). Version 1 (no VERSION
/// line) is just the .deb file names, one a line. APT falls back to the highest version it knows, so 2 is accepted
/// when 3 was asked for.
/// </summary>
public sealed class AptHookInput
{
    /// <summary>APT's configuration dump is a few thousand lines; this bounds a runaway writer.</summary>
    public const int MaxLines = 2_000_000;

    /// <summary>A line is a key=value or a package action with a path; none comes near this.</summary>
    public const int MaxLineLength = 64 * 1024;

    /// <summary>
    /// Characters read in all (a real input is well under 1 MiB): bounds the time a runaway writer costs. What is
    /// kept is smaller still, since a package line repeated word for word is kept once.
    /// </summary>
    public const long MaxInputCharacters = 256L * 1024 * 1024;

    private readonly IReadOnlyList<KeyValuePair<string, string>> _configuration;

    private AptHookInput(int protocolVersion, IReadOnlyList<KeyValuePair<string, string>> configuration, IReadOnlyList<AptPackageAction> actions)
    {
        ProtocolVersion = protocolVersion;
        _configuration = configuration;
        Actions = actions;
        KataActions = actions.Where(action => KataPackageNames.IsKata(action.Name)).ToList();
    }

    /// <summary>1, 2 or 3.</summary>
    public int ProtocolVersion { get; }

    /// <summary>The configuration dump, decoded, in order; list items appear once per item under the list's key.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Configuration => _configuration;

    /// <summary>Every package action, in APT's order.</summary>
    public IReadOnlyList<AptPackageAction> Actions { get; }

    /// <summary>The actions on Kata's packages (<see cref="KataPackageNames"/>); empty when none is touched.</summary>
    public IReadOnlyList<AptPackageAction> KataActions { get; }

    /// <summary>The last value of a configuration key (APT keys are case-insensitive), or null.</summary>
    public string? GetConfiguration(string key) =>
        _configuration.LastOrDefault(item => string.Equals(item.Key, key, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>All values given for a key, in order (the items of a list such as "DPkg::Pre-Install-Pkgs").</summary>
    public IReadOnlyList<string> GetConfigurationList(string key) =>
        _configuration.Where(item => string.Equals(item.Key, key, StringComparison.OrdinalIgnoreCase)).Select(item => item.Value).ToList();

    /// <summary>Parses the hook's input; <paramref name="input"/> names it in errors.</summary>
    public static AptHookInput Parse(TextReader reader, string input = "stdin")
    {
        var lines = new LineSource(reader, input);
        string? first = lines.Next();
        if (first is null)
        {
            return new AptHookInput(1, [], []);
        }
        if (!first.StartsWith("VERSION ", StringComparison.Ordinal))
        {
            return ParseVersion1(first, lines);
        }
        int version = first["VERSION ".Length..].Trim() switch
        {
            "2" => 2,
            "3" => 3,
            string other => throw new AptHookFormatException(input, 1, $"unsupported hook protocol version \"{other}\" (expected 2 or 3)"),
        };

        var configuration = new List<KeyValuePair<string, string>>();
        while (true)
        {
            string line = lines.Next() ?? throw lines.Error("input ends inside the configuration section (no blank line)");
            if (line.Length == 0)
            {
                break;
            }
            configuration.Add(ParseConfigurationLine(line, lines));
        }

        var actions = new List<AptPackageAction>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (lines.Next() is string line)
        {
            // A line repeated word for word announces the same action again: kept once, so a writer that repeats
            // one .deb a million times costs one package read, not a million.
            if (line.Length > 0 && seen.Add(line))
            {
                actions.Add(ParseAction(line, version, lines));
            }
        }
        return new AptHookInput(version, configuration, actions);
    }

    private static AptHookInput ParseVersion1(string first, LineSource lines)
    {
        var actions = new List<AptPackageAction>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (string? line = first; line is not null; line = lines.Next())
        {
            if (line.Length > 0 && seen.Add(line))
            {
                actions.Add(FromDebFileName(line));
            }
        }
        return new AptHookInput(1, [], actions);
    }

    /// <summary>Version 1 gives only the path; Debian names files "name_version_arch.deb" (":" in versions as %3a).</summary>
    private static AptPackageAction FromDebFileName(string path)
    {
        string fileName = Path.GetFileName(path);
        string stem = fileName.EndsWith(".deb", StringComparison.Ordinal) ? fileName[..^4] : fileName;
        string[] parts = stem.Split('_');
        string? version = parts.Length >= 2 ? PercentDecode(parts[1]) : null;
        string? architecture = parts.Length >= 3 ? parts[2] : null;
        return new AptPackageAction(parts[0], null, null, null, AptVersionDirection.Unknown, version, architecture, null, AptActionKind.Install, path);
    }

    private static KeyValuePair<string, string> ParseConfigurationLine(string line, LineSource lines)
    {
        // '=' inside a key is %-encoded, so the first '=' separates key and value.
        int equals = line.IndexOf('=');
        if (equals <= 0)
        {
            throw lines.Error($"configuration line is not key=value: {Shorten(line)}");
        }
        string key = PercentDecode(line[..equals]);
        if (key.EndsWith("::", StringComparison.Ordinal))
        {
            key = key[..^2]; // "key::=value" is one item of the list "key"
        }
        return new(key, PercentDecode(line[(equals + 1)..]));
    }

    private static AptPackageAction ParseAction(string line, int version, LineSource lines)
    {
        int fieldCount = version >= 3 ? 9 : 5;
        // The last field is a path, which may contain spaces: split off only the fields before it.
        string[] fields = line.Split(' ', fieldCount);
        if (fields.Length != fieldCount)
        {
            throw lines.Error($"package line has {fields.Length} fields, version {version} has {fieldCount}: {Shorten(line)}");
        }
        int at = 0;
        string name = fields[at++];
        int colon = name.IndexOf(':');
        if (colon > 0)
        {
            name = name[..colon]; // a "name:arch" qualifier; the architecture fields carry it too
        }
        string? oldVersion = Missing(fields[at++]);
        string? oldArch = version >= 3 ? Missing(fields[at++]) : null;
        string? oldMultiArch = version >= 3 ? fields[at++] : null;
        AptVersionDirection direction = fields[at++] switch
        {
            "<" => AptVersionDirection.Upgrade,
            ">" => AptVersionDirection.Downgrade,
            "=" => AptVersionDirection.Same,
            string other => throw lines.Error($"version change \"{other}\" is not <, > or =: {Shorten(line)}"),
        };
        string? newVersion = Missing(fields[at++]);
        string? newArch = version >= 3 ? Missing(fields[at++]) : null;
        string? newMultiArch = version >= 3 ? fields[at++] : null;
        string actionField = fields[at];
        (AptActionKind kind, string? debPath) = actionField switch
        {
            "**CONFIGURE**" => (AptActionKind.Configure, (string?)null),
            "**REMOVE**" => (AptActionKind.Remove, null),
            "**ERROR**" => (AptActionKind.Error, null),
            _ when actionField.StartsWith('/') => (AptActionKind.Install, actionField),
            _ => throw lines.Error($"action \"{Shorten(actionField)}\" is neither a .deb path nor **CONFIGURE**/**REMOVE**"),
        };
        return new AptPackageAction(name, oldVersion, oldArch, oldMultiArch, direction, newVersion, newArch, newMultiArch, kind, debPath);
    }

    private static string? Missing(string field) => field == "-" ? null : field;

    /// <summary>APT's %-encoding: "%XX" is the byte 0xXX; bytes are UTF-8.</summary>
    private static string PercentDecode(string text)
    {
        if (!text.Contains('%'))
        {
            return text;
        }
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '%' && i + 2 < text.Length && byte.TryParse(text.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out byte value))
            {
                bytes.Add(value);
                i += 2;
                continue;
            }
            bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "...";

    /// <summary>
    /// Reads lines ("\n"-terminated, a "\r" before it dropped) with a count, a length and a total limit, and knows
    /// the current line number for errors. TextReader.ReadLine would buffer a whole line before its length could
    /// be checked (300 MB for a 300 MB line); this reads blocks and gives up as soon as a line is too long.
    /// </summary>
    private sealed class LineSource(TextReader reader, string input)
    {
        private readonly char[] _block = new char[8192];
        private readonly System.Text.StringBuilder _line = new();
        private int _start;
        private int _end;
        private long _total;
        private int _number;

        public string? Next()
        {
            _line.Clear();
            bool any = false;
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = reader.Read(_block, 0, _block.Length);
                    _total += _end;
                    if (_end == 0)
                    {
                        return any ? Finish() : null;
                    }
                    if (_total > MaxInputCharacters)
                    {
                        throw Error($"more than {MaxInputCharacters} characters of input");
                    }
                }
                any = true;
                int newline = Array.IndexOf(_block, '\n', _start, _end - _start);
                int stop = newline < 0 ? _end : newline;
                if (_line.Length + (stop - _start) > MaxLineLength + 1)
                {
                    _number++;
                    throw Error($"line longer than {MaxLineLength} characters");
                }
                _line.Append(_block, _start, stop - _start);
                if (newline >= 0)
                {
                    _start = newline + 1;
                    return Finish();
                }
                _start = _end;
            }
        }

        private string Finish()
        {
            _number++;
            if (_number > MaxLines)
            {
                throw Error($"more than {MaxLines} lines");
            }
            if (_line.Length > 0 && _line[^1] == '\r')
            {
                _line.Length--;
            }
            if (_line.Length > MaxLineLength)
            {
                throw Error($"line longer than {MaxLineLength} characters");
            }
            return _line.ToString();
        }

        public AptHookFormatException Error(string problem) => new(input, _number, problem);
    }
}
