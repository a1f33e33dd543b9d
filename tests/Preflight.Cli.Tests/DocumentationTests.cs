using System.CommandLine;
using System.CommandLine.Completions;
using System.Reflection;
using System.Text.RegularExpressions;
using Preflight.Checking.Policy;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests;

/// <summary>
/// The man page, the bash, fish and zsh completions and README's command table are written by hand, so these tests hold them to
/// the command tree kata-preflight actually parses (App.BuildRoot()): every command, option (with its aliases in
/// the man page), accepted value and exit code must be in each, and nothing that is not. A new option, a removed
/// command or a value that exits 2 fails here, not in an operator's shell.
/// </summary>
public sealed partial class DocumentationTests(ITestOutputHelper output)
{
    private static readonly IReadOnlyList<CommandDoc> Tree = CommandDoc.Walk(App.BuildRoot());

    private static string ManPage => File.ReadAllText(Path.Combine(TestData.Root, "packaging/kata-preflight.1"));

    private static string Completion => Path.Combine(TestData.Root, "packaging/completion/kata-preflight.bash");

    [Fact]
    public void The_tree_is_what_these_tests_expect_to_walk()
    {
        // A guard on the walker itself: if it found nothing, every comparison below would pass vacuously.
        Assert.Contains(Tree, c => c.Path == "check" && c.Options.Any(o => o.Name == "--package"));
        Assert.Contains(Tree, c => c.Path == "rules" && c.Options.Single(o => o.Name == "--format").Values.SetEquals(["text", "json", "markdown"]));
        Assert.Contains(Tree, c => c.Path == "" && c.Options.Any(o => o.Name == "--version"));
        Assert.Contains(Tree, c => c.Path == "hook check");
    }

    [Fact]
    public void The_man_page_has_a_section_per_command_with_exactly_its_options_aliases_and_values()
    {
        Dictionary<string, List<ManOption>> sections = ManSections(ManPage);
        // The root's options and every command that runs; `inspect` and `hook` only group the ones below them.
        var documented = Tree.Where(c => c.Path.Length == 0 || c.Subcommands.Count == 0).ToList();

        Assert.Equal(documented.Select(c => c.Path).Order(), sections.Keys.Order());
        foreach (CommandDoc command in documented)
        {
            List<ManOption> entries = sections[command.Path];
            Assert.True(
                command.Options.SelectMany(o => o.Spellings).Order().SequenceEqual(entries.SelectMany(o => o.Spellings).Order()),
                $"man page, {command.Title}: documents {Join(entries.SelectMany(o => o.Spellings))}, the command has {Join(command.Options.SelectMany(o => o.Spellings))}");
            foreach (OptionDoc option in command.Options.Where(o => o.Values.Count > 0))
            {
                ManOption entry = entries.Single(d => d.Spellings.Contains(option.Name));
                Assert.True(option.Values.SetEquals(entry.Values),
                    $"man page, {command.Title} {option.Name}: lists {Join(entry.Values)}, the command accepts {Join(option.Values)}");
            }
        }
    }

    [Fact]
    public void Every_option_the_man_page_mentions_anywhere_exists()
    {
        var known = Tree.SelectMany(c => c.Options).SelectMany(o => o.Spellings).ToHashSet();
        var mentioned = LongOptionInRoff().Matches(ManPage).Select(m => m.Value.Replace(@"\-", "-", StringComparison.Ordinal)).ToHashSet();

        Assert.Empty(mentioned.Except(known));
    }

    [Fact]
    public void The_man_page_documents_exit_codes_0_to_4_and_the_policy_keys_as_spelled()
    {
        Assert.Equal(ExitCodesInCode(), TaggedItems(ManPage, "EXIT STATUS").Select(int.Parse).Order());
        Assert.Equal(PreflightPolicy.TopLevelKeys.Order(), TaggedItems(ManPage, "POLICY").Order());
        Assert.DoesNotContain("fail_on", ManPage); // the key is fail-on; the page once said otherwise
    }

    [Fact]
    public void Bash_completion_offers_exactly_the_commands_and_options_of_each_command()
    {
        var queries = Tree.Select(c => c.Words).ToList();
        IReadOnlyList<SortedSet<string>> offered = RunCompletion(queries);

        for (int i = 0; i < Tree.Count; i++)
        {
            CommandDoc command = Tree[i];
            var expected = command.Subcommands.Concat(command.Options.Select(o => o.Name)).ToHashSet();
            Assert.True(expected.SetEquals(offered[i]),
                $"completion after `{command.Title}`: offers {Join(offered[i])}, the command has {Join(expected)}");
        }
    }

    [Fact]
    public void Bash_completion_offers_exactly_the_values_each_option_accepts()
    {
        var options = Tree.SelectMany(c => c.Options.Where(o => o.Values.Count > 0).Select(o => (Command: c, Option: o))).ToList();
        Assert.NotEmpty(options);
        IReadOnlyList<SortedSet<string>> offered = RunCompletion(options.Select(x => x.Command.Words.SkipLast(1).Append(x.Option.Name).Append("").ToArray()).ToList());

        for (int i = 0; i < options.Count; i++)
        {
            (CommandDoc command, OptionDoc option) = options[i];
            Assert.True(option.Values.SetEquals(offered[i]),
                $"completion after `{command.Title} {option.Name}`: offers {Join(offered[i])}, the option accepts {Join(option.Values)}");
        }
    }

    [Fact]
    public void README_lists_every_command_with_its_options_and_values()
    {
        string readme = File.ReadAllText(Path.Combine(TestData.Root, "README.md"));
        string table = Section(readme, "| command | what it does |", "\n\n");
        var rows = table.Split('\n').Where(l => l.StartsWith("| `kata-preflight ", StringComparison.Ordinal)).Select(ReadmeRow.Parse).ToList();
        var leaves = Tree.Where(c => c.Subcommands.Count == 0 && c.Path.Length > 0).ToList();

        Assert.Equal(leaves.Select(c => c.Path).Order(), rows.Select(r => r.Path).Order());
        foreach (CommandDoc command in leaves)
        {
            ReadmeRow row = rows.Single(r => r.Path == command.Path);
            var expected = command.Options.Select(o => o.Name).Where(n => n != "--help").ToHashSet();
            Assert.True(expected.SetEquals(row.Options.Keys),
                $"README, {command.Title}: lists {Join(row.Options.Keys)}, the command has {Join(expected)}");
            foreach (OptionDoc option in command.Options.Where(o => o.Values.Count > 0))
            {
                Assert.True(option.Values.SetEquals(row.Options[option.Name]),
                    $"README, {command.Title} {option.Name}: lists {Join(row.Options[option.Name])}, the option accepts {Join(option.Values)}");
            }
        }

        string exitCodes = Section(readme, "| code | meaning |", "\n\n");
        Assert.Equal(ExitCodesInCode(), ExitCodeRow().Matches(exitCodes).Select(m => int.Parse(m.Groups[1].Value)).Order());
    }

    // ---- the command tree ----

    private sealed record OptionDoc(string Name, IReadOnlyList<string> Spellings, HashSet<string> Values);

    private sealed record CommandDoc(string Path, IReadOnlyList<string> Subcommands, IReadOnlyList<OptionDoc> Options)
    {
        public string Title => ("kata-preflight " + Path).TrimEnd();

        /// <summary>The words typed so far for completion at this command: its path and an empty word to complete.</summary>
        public string[] Words => ["kata-preflight", .. Path.Split(' ', StringSplitOptions.RemoveEmptyEntries), ""];

        public static IReadOnlyList<CommandDoc> Walk(RootCommand root)
        {
            var found = new List<CommandDoc>();
            Visit(root, "", [], found);
            return found;
        }

        private static void Visit(Command command, string path, IReadOnlyList<Option> inherited, List<CommandDoc> found)
        {
            var options = command.Options.Concat(inherited).Where(o => !o.Hidden).Select(Describe).ToList();
            found.Add(new CommandDoc(path, command.Subcommands.Where(c => !c.Hidden).Select(c => c.Name).ToList(), options));
            var passedOn = inherited.Concat(command.Options.Where(o => o.Recursive)).ToList();
            foreach (Command sub in command.Subcommands.Where(c => !c.Hidden))
            {
                Visit(sub, (path + " " + sub.Name).Trim(), passedOn, found);
            }
        }

        private static OptionDoc Describe(Option option)
        {
            // "-?", "/?" and "/h" are System.CommandLine's own extra help spellings; nobody documents them.
            var spellings = option.Aliases.Prepend(option.Name).Where(a => a.StartsWith('-') && a != "-?").Distinct().ToList();
            var values = option.ValueType == typeof(bool)
                ? []
                : option.GetCompletions(CompletionContext.Empty).Select(c => c.Label).ToHashSet();
            return new OptionDoc(option.Name, spellings, values);
        }
    }

    private static IEnumerable<int> ExitCodesInCode() => typeof(ExitCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(int))
        .Select(f => (int)f.GetRawConstantValue()!)
        .Order();

    // ---- the man page ----

    private sealed record ManOption(IReadOnlyList<string> Spellings, IReadOnlyList<string> Values);

    /// <summary>Each `.SS "kata-preflight PATH"` under COMMANDS, with the option on each `.TP` line that follows.</summary>
    private static Dictionary<string, List<ManOption>> ManSections(string page)
    {
        var sections = new Dictionary<string, List<ManOption>>();
        List<ManOption>? current = null;
        string[] lines = Section(page, ".SH COMMANDS", "\n.SH ").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match heading = CommandHeading().Match(lines[i]);
            if (heading.Success)
            {
                current = [];
                sections.Add(heading.Groups[1].Value.Trim(), current);
            }
            else if (lines[i] == ".TP" && current is not null && i + 1 < lines.Length)
            {
                string tag = lines[i + 1];
                var spellings = OptionInRoff().Matches(tag).Select(m => m.Value.Replace(@"\-", "-", StringComparison.Ordinal)).ToList();
                Match values = ValuesInRoff().Match(tag);
                current.Add(new ManOption(spellings, values.Success ? values.Groups[1].Value.Split('|') : []));
            }
        }
        return sections;
    }

    /// <summary>The `.B WORD` tags of the `.TP` items in a `.SH NAME` section.</summary>
    private static IEnumerable<string> TaggedItems(string page, string section)
    {
        string[] lines = Section(page, $".SH {section}\n", "\n.SH ").Split('\n');
        for (int i = 0; i + 1 < lines.Length; i++)
        {
            if (lines[i] == ".TP" && lines[i + 1].StartsWith(".B ", StringComparison.Ordinal))
            {
                yield return lines[i + 1][3..].Trim();
            }
        }
    }

    // ---- bash completion, run by bash ----

    /// <summary>
    /// Runs _kata_preflight in one bash for each list of words (the last is the word being completed) and returns
    /// what it offered. bash-completion's helpers are stood in for: _init_completion splits the words as it would
    /// for these simple cases, _filedir offers nothing (file names are not part of the command tree).
    /// </summary>
    private IReadOnlyList<SortedSet<string>> RunCompletion(IReadOnlyList<string[]> queries)
    {
        var script = new System.Text.StringBuilder();
        script.AppendLine("_init_completion() { words=(\"${COMP_WORDS[@]}\"); cword=$COMP_CWORD; cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; }");
        script.AppendLine("_filedir() { :; }");
        script.AppendLine($"source '{Completion}'");
        foreach (string[] words in queries)
        {
            script.AppendLine($"COMP_WORDS=({string.Join(' ', words.Select(w => $"'{w}'"))}); COMP_CWORD={words.Length - 1}; COMPREPLY=()");
            script.AppendLine("_kata_preflight; echo \"offered: ${COMPREPLY[*]}\"");
        }
        string bash = Installed.Installed.FindTool("bash");
        Installed.ProcessResult result = Installed.Installed.Run([bash, "--norc", "-c", script.ToString()], null, [("PATH", "/usr/bin:/bin")]);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0 && result.Error.Length == 0, result.ToString());
        var lines = result.Out.Split('\n').Where(l => l.StartsWith("offered:", StringComparison.Ordinal)).ToList();
        Assert.Equal(queries.Count, lines.Count);
        return lines.Select(l => new SortedSet<string>(l["offered:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal)).ToList();
    }

    [Fact]
    public void Fish_completion_offers_exactly_the_commands_options_and_values_of_each_command()
    {
        // fish completes options only after "-", commands only without; both are asked, and every value list.
        var queries = new List<(string Typed, HashSet<string> Expected)>();
        foreach (CommandDoc command in Tree)
        {
            string typed = string.Join(' ', command.Words);
            queries.Add((typed, command.Subcommands.ToHashSet()));
            queries.Add((typed + "-", command.Options.SelectMany(o => o.Spellings).ToHashSet()));
            foreach (OptionDoc option in command.Options.Where(o => o.Values.Count > 0))
            {
                queries.Add((typed + option.Name + " ", option.Values));
            }
        }
        IReadOnlyList<SortedSet<string>> offered = RunFish(queries.Select(q => q.Typed).ToList());

        for (int i = 0; i < queries.Count; i++)
        {
            Assert.True(queries[i].Expected.SetEquals(offered[i]),
                $"fish completion of `{queries[i].Typed}`: offers {Join(offered[i])}, kata-preflight has {Join(queries[i].Expected)}");
        }
    }

    /// <summary>
    /// Asks fish what it completes for each command line, in an empty directory (file arguments complete to
    /// nothing there) and with no user configuration.
    /// </summary>
    private IReadOnlyList<SortedSet<string>> RunFish(IReadOnlyList<string> commandLines)
    {
        string empty = Directory.CreateTempSubdirectory("kata-preflight-fish-").FullName;
        try
        {
            var script = new System.Text.StringBuilder();
            script.AppendLine($"source '{Path.Combine(TestData.Root, "packaging/completion/kata-preflight.fish")}'");
            foreach (string line in commandLines)
            {
                script.AppendLine($"echo offered: (complete -C'{line}' | cut -f1)");
            }
            Installed.ProcessResult result = Installed.Installed.Run([Installed.Installed.FindTool("fish"), "--no-config", "-c", script.ToString()],
                null, [("PATH", "/usr/bin:/bin"), ("HOME", empty)], empty);
            return OfferedPerLine(result, commandLines.Count);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public void Zsh_completion_offers_exactly_the_commands_options_and_values_of_each_command()
    {
        // Commands where there are some (and options, since an empty word is a command's place), option spellings
        // after "-", and every value list. A command without subcommands may offer its options for an empty word.
        var queries = new List<(string Typed, HashSet<string> Expected, bool Exactly)>();
        foreach (CommandDoc command in Tree)
        {
            string typed = string.Join(' ', command.Words);
            queries.Add(command.Subcommands.Count > 0
                ? (typed, command.Subcommands.ToHashSet(), true)
                : (typed, command.Options.SelectMany(o => o.Spellings).ToHashSet(), false));
            queries.Add((typed + "-", command.Options.SelectMany(o => o.Spellings).ToHashSet(), true));
            foreach (OptionDoc option in command.Options.Where(o => o.Values.Count > 0))
            {
                queries.Add((typed + option.Name + " ", option.Values, true));
            }
        }
        IReadOnlyList<SortedSet<string>> offered = RunZsh(queries.Select(q => q.Typed).ToList());

        for (int i = 0; i < queries.Count; i++)
        {
            (string typed, HashSet<string> expected, bool exactly) = queries[i];
            Assert.True(exactly ? expected.SetEquals(offered[i]) : expected.IsSupersetOf(offered[i]),
                $"zsh completion of `{typed}`: offers {Join(offered[i])}, kata-preflight has {Join(expected)}");
        }
    }

    [Fact]
    public void Zsh_completion_is_a_compdef_file_for_kata_preflight()
    {
        // compinit only picks up a file on fpath whose first line says which command it completes.
        string completion = Path.Combine(TestData.Root, "packaging/completion/_kata-preflight");
        Assert.Equal("#compdef kata-preflight", File.ReadLines(completion).First());
        Installed.ProcessResult syntax = Installed.Installed.Run([Installed.Installed.FindTool("zsh"), "-n", "-f", completion], null, [("PATH", "/usr/bin:/bin")]);
        Assert.True(syntax.ExitCode == 0 && syntax.Error.Length == 0, syntax.ToString());
    }

    /// <summary>
    /// Asks zsh (compinit on a pseudo-terminal, tests/Preflight.Cli.Tests/zsh-completions.zsh) what Tab offers after
    /// each command line, in an empty directory (file arguments complete to nothing there) and with no user
    /// configuration.
    /// </summary>
    private IReadOnlyList<SortedSet<string>> RunZsh(IReadOnlyList<string> commandLines)
    {
        string empty = Directory.CreateTempSubdirectory("kata-preflight-zsh-").FullName;
        try
        {
            string driver = Path.Combine(TestData.Root, "tests/Preflight.Cli.Tests/zsh-completions.zsh");
            Installed.ProcessResult result = Installed.Installed.Run(
                [Installed.Installed.FindTool("zsh"), "-f", driver, Path.Combine(TestData.Root, "packaging/completion"), .. commandLines],
                null, [("PATH", "/usr/bin:/bin"), ("HOME", empty), ("TERM", "dumb")], empty);
            return OfferedPerLine(result, commandLines.Count);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    // ---- README ----

    private sealed record ReadmeRow(string Path, Dictionary<string, HashSet<string>> Options)
    {
        /// <summary>"| `kata-preflight check [--root DIR] [--format text\|json\|sarif]` | ..." -> check, {--root: {}, --format: {text, json, sarif}}.</summary>
        public static ReadmeRow Parse(string row)
        {
            string synopsis = row.Split('`')[1];
            string[] words = synopsis.Split(' ');
            string path = string.Join(' ', words.Skip(1).TakeWhile(w => Regex.IsMatch(w, "^[a-z][a-z-]*$")));
            var options = new Dictionary<string, HashSet<string>>();
            foreach (Match m in ReadmeOption().Matches(synopsis))
            {
                var values = m.Groups[2].Success && m.Groups[2].Value.Contains(@"\|", StringComparison.Ordinal)
                    ? m.Groups[2].Value.Split(@"\|").ToHashSet()
                    : [];
                options[m.Groups[1].Value] = values;
            }
            return new ReadmeRow(path, options);
        }
    }

    private static string Section(string text, string start, string end)
    {
        int from = text.IndexOf(start, StringComparison.Ordinal);
        Assert.True(from >= 0, $"no '{start.Trim()}' section");
        int to = text.IndexOf(end, from + start.Length, StringComparison.Ordinal);
        return to < 0 ? text[from..] : text[from..to];
    }

    private static string Join(IEnumerable<string> items) => "{" + string.Join(", ", items.Order()) + "}";

    [GeneratedRegex(@"^\.SS ""kata-preflight( [a-z -]*)?""$")]
    private static partial Regex CommandHeading();

    [GeneratedRegex(@"\\-(\\-)?[a-z](?:[a-z]|\\-)*")]
    private static partial Regex OptionInRoff();

    [GeneratedRegex(@"\\-\\-[a-z](?:[a-z]|\\-)*")]
    private static partial Regex LongOptionInRoff();

    [GeneratedRegex(@"""\s*([a-z]+(?:\|[a-z]+)+)""")]
    private static partial Regex ValuesInRoff();

    [GeneratedRegex(@"(--[a-z][a-z-]*)(?: ([a-zA-Z\\|]+))?")]
    private static partial Regex ReadmeOption();

    [GeneratedRegex(@"^\| (\d) \|", RegexOptions.Multiline)]
    private static partial Regex ExitCodeRow();

    /// <summary>What a shell driver printed as "offered: a b c" lines, one set per command line asked about.</summary>
    private IReadOnlyList<SortedSet<string>> OfferedPerLine(Installed.ProcessResult result, int commandLines)
    {
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0 && result.Error.Length == 0, result.ToString());
        var lines = result.Out.Split('\n').Where(l => l.StartsWith("offered:", StringComparison.Ordinal)).ToList();
        Assert.Equal(commandLines, lines.Count);
        return lines.Select(l => new SortedSet<string>(l["offered:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries), StringComparer.Ordinal)).ToList();
    }
}
