using System.Reflection;

namespace Preflight.Cli.Tests;

/// <summary>`--version` and what a mistyped command line answers: exit 2 and a suggestion that can be acted on.</summary>
public sealed class UsageTests
{
    [Fact]
    public void Version_names_the_tool_the_version_and_the_commit()
    {
        CliResult result = Cli.Run("--version");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        string informational = typeof(App).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;
        string[] parts = informational.Split('+');
        string expected = parts.Length > 1 ? $"kata-preflight {parts[0]} (commit {parts[1]})\n" : $"kata-preflight {parts[0]}\n";
        Assert.Equal(expected, result.Out);
        Assert.Matches(@"^kata-preflight \d+\.\d+\.\d+( \(commit [0-9a-f]{7,40}\))?\n$", result.Out);
    }

    [Theory]
    [InlineData(new[] { "chek" }, "unknown command 'chek' (did you mean 'check'?)", "kata-preflight --help")]
    [InlineData(new[] { "inpsect", "image", "x" }, "unknown command 'inpsect' (did you mean 'inspect'?)", "kata-preflight --help")]
    [InlineData(new[] { "inspect", "imag", "x" }, "unknown command 'imag' (did you mean 'image'?)", "kata-preflight inspect --help")]
    [InlineData(new[] { "check", "--formt", "json" }, "unknown option '--formt' (did you mean '--format'?)", "kata-preflight check --help")]
    [InlineData(new[] { "check", "--fail-no", "warn" }, "unknown option '--fail-no' (did you mean '--fail-on'?)", "kata-preflight check --help")]
    [InlineData(new[] { "rules", "--hepl" }, "unknown option '--hepl' (did you mean '--help'?)", "kata-preflight rules --help")]
    [InlineData(new[] { "check", "--format", "jsno" }, "--format: 'jsno' is not one of json, sarif, text (did you mean 'json'?)", "kata-preflight check --help")]
    [InlineData(new[] { "check", "--fail-on", "error" }, "--fail-on: 'error' is not one of block, never, warn", "kata-preflight check --help")]
    [InlineData(new[] { "inspect", "image", "x", "--format", "yaml" }, "--format: 'yaml' is not one of json, text", "kata-preflight inspect image --help")]
    public void A_typo_gets_one_line_and_the_help_of_its_command_and_exit_2(string[] args, string expected, string help)
    {
        CliResult result = Cli.Run(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Equal($"kata-preflight: {expected}\nkata-preflight: see `{help}`\n", result.Error.ReplaceLineEndings("\n"));
    }

    [Theory]
    [InlineData("zzz", "kata-preflight: unknown command 'zzz'\n")]
    [InlineData("--verbose", "kata-preflight: unknown option '--verbose'\n")] // --verbose belongs to the commands, not the root
    public void Something_nothing_resembles_is_named_without_a_guess(string arg, string expected)
    {
        CliResult result = Cli.Run(arg);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.StartsWith(expected, result.Error);
        Assert.DoesNotContain("did you mean", result.Error);
        Assert.DoesNotContain("Required command was not provided", result.Error);
    }

    [Fact]
    public void Other_usage_errors_keep_their_own_message()
    {
        CliResult result = Cli.Run("diff", "--agent", "x");

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Equal("kata-preflight: Option '--runtime' is required.\nkata-preflight: see `kata-preflight diff --help`\n", result.Error.ReplaceLineEndings("\n"));
    }
}
