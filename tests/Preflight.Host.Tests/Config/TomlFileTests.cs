using Preflight.Host.Config;

namespace Preflight.Host.Tests.Config;

/// <summary>TOML that Tomlyn refuses for any reason is the host layer's one exception, never Tomlyn's own.</summary>
public class TomlFileTests
{
    [Theory]
    [InlineData("x = ", "[", "]")]
    [InlineData("x = ", "{ y = ", " }")]
    public void NestingPastTheLimitIsAHostConfigError(string head, string open, string close)
    {
        int levels = TomlFile.MaxDepth + 10;
        string text = head + string.Concat(Enumerable.Repeat(open, levels)) + "1" + string.Concat(Enumerable.Repeat(close, levels)) + "\n";

        var error = Assert.Throws<HostConfigException>(() => TomlFile.Parse(text, "configuration.toml"));
        Assert.Equal("configuration.toml", error.File);
        Assert.Contains($"deeper than {TomlFile.MaxDepth} levels", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingWithinTheLimitParses()
    {
        int levels = TomlFile.MaxDepth - 4;
        string text = "x = " + string.Concat(Enumerable.Repeat("[", levels)) + "1" + string.Concat(Enumerable.Repeat("]", levels)) + "\n";
        Assert.True(TomlFile.Parse(text, "configuration.toml").ContainsKey("x"));
    }

    [Theory]
    [InlineData("a = \"\\")]   // a = "\ as the last bytes
    [InlineData("[a\"\\")]     // the same escape inside a table header's quoted key
    public void AnEscapeCutOffByTheEndOfTheFileIsAHostConfigError(string text)
    {
        // Found by fuzzing (tests/Preflight.Fuzz, target toml): Tomlyn's lexer threw ArgumentOutOfRangeException,
        // which reached the CLI as exit 4 from every TOML reader (Kata configuration, containerd's, policy).
        var error = Assert.Throws<HostConfigException>(() => TomlFile.Parse(text, "configuration.toml"));
        Assert.Contains("escape sequence in a string is cut off", error.Problem, StringComparison.Ordinal);
    }
}
