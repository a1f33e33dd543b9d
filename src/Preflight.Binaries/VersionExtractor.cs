namespace Preflight.Binaries;

/// <summary>
/// Versions only where the binary states them with evidence; otherwise null. A regular expression over all bytes is
/// wrong for Go and Rust, which pack constants without terminators ("...Fixed323.1.00.0.1..." holds two versions
/// glued to a neighbour). What we trust, best first:
/// "go-ldflags": a `-X pkg.version=V` / `-X pkg.commit=C` recorded in Go build settings (Go 1.18+);
/// "go-symbol": Go string variables `main.version`/`main.commit` (or Kata packages') read through the symbol table;
/// "go-buildinfo": the main module's version from Go build info (skipped when "(devel)");
/// "rust-str-pair": for a binary without Go build info, a `&str` header whose bytes are exactly a version and another
/// whose bytes are that version plus "-" and a git commit (Rust's AGENT_VERSION and VERSION_COMMIT; see
/// <see cref="RustStrConstants"/>). Without that pair (a build with no commit recorded) the answer is null.
/// </summary>
public static class VersionExtractor
{
    internal static VersionFacts? Extract(GoBuildInfo? go, ElfFile? elf, ReadOnlySpan<byte> data, StringHeaderIndex? headers)
    {
        if (go is null)
        {
            // No Go build info: the only other evidence we read is Rust's paired string headers.
            return elf is null ? null : RustStrConstants.ReadVersion(headers ?? StringHeaderIndex.Build(data, elf), data);
        }
        string? program = go.Path is null ? null : go.Path[(go.Path.LastIndexOf('/') + 1)..];
        var (version, commit) = FromLdflags(go);
        if (version is not null || commit is not null)
        {
            return new VersionFacts(program, version, null, commit, "go-ldflags");
        }
        if (elf is not null)
        {
            (version, commit) = GoStringVariables.ReadVersionVariables(elf, data);
            if (version is not null || commit is not null)
            {
                return new VersionFacts(program, version, null, commit, "go-symbol");
            }
        }
        if (go.Main is { Version: var moduleVersion } && moduleVersion != "(devel)" && moduleVersion.Length > 0)
        {
            return new VersionFacts(program, moduleVersion, null, null, "go-buildinfo");
        }
        return null;
    }

    /// <summary>Reads `-X importpath.name=value` pairs of the recorded -ldflags.</summary>
    private static (string? Version, string? Commit) FromLdflags(GoBuildInfo go)
    {
        string? version = null, commit = null;
        foreach (var setting in go.Settings.Where(s => s.Key == "-ldflags"))
        {
            var tokens = GoFlagTokens(setting.Value);
            for (int i = 0; i + 1 < tokens.Count; i++)
            {
                if (tokens[i] is not ("-X" or "--X"))
                {
                    continue;
                }
                string assignment = tokens[i + 1];
                int equals = assignment.IndexOf('=');
                int dot = equals < 0 ? -1 : assignment.LastIndexOf('.', equals);
                if (dot < 0)
                {
                    continue;
                }
                string name = assignment[(dot + 1)..equals].ToLowerInvariant();
                string value = assignment[(equals + 1)..];
                if (value.Length == 0)
                {
                    continue;
                }
                if (name == "version")
                {
                    version ??= value;
                }
                else if (name is "commit" or "gitcommit" or "versioncommit")
                {
                    commit ??= value;
                }
            }
        }
        return (version, commit);
    }

    /// <summary>Splits a flag string the way the go command does: on whitespace, with "..." or '...' quoting.</summary>
    private static List<string> GoFlagTokens(string text)
    {
        var tokens = new List<string>();
        var current = new System.Text.StringBuilder();
        char quote = '\0';
        bool inToken = false;
        foreach (char c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    current.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inToken = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inToken)
                {
                    tokens.Add(current.ToString());
                    current.Clear();
                    inToken = false;
                }
            }
            else
            {
                current.Append(c);
                inToken = true;
            }
        }
        if (inToken)
        {
            tokens.Add(current.ToString());
        }
        return tokens;
    }
}
