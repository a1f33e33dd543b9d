using Preflight.Checking.Policy;
using Preflight.Host;

namespace Preflight.Cli.Tests.Check;

/// <summary>`[hooks] enforce` in the policy file, and how KATA_PREFLIGHT_ENFORCE beats it for one run.</summary>
public sealed class HooksPolicyTests
{
    [Fact]
    public void Enforcement_is_on_by_default()
    {
        Enforcement decided = Enforcement.Decide(PreflightPolicy.Default, null, PreflightPolicy.DefaultPath);

        Assert.True(decided.On);
        Assert.Equal("the default", decided.Reason);
        Assert.True(Load("fail-on = \"block\"\n").HooksEnforce);
    }

    [Theory]
    [InlineData("[hooks]\nenforce = false\n", false)]
    [InlineData("[hooks]\nenforce = true\n", true)]
    public void The_policy_file_turns_it_on_or_off(string toml, bool expected)
    {
        PreflightPolicy policy = Load(toml);

        Assert.Equal(expected, policy.HooksEnforce);
        Assert.Equal(expected, Enforcement.Decide(policy, null, "policy.toml").On);
    }

    [Theory]
    [InlineData("0", true, false)]
    [InlineData("0", false, false)]
    [InlineData("1", false, true)]
    [InlineData("1", true, true)]
    public void The_variable_beats_the_file_for_one_run(string variable, bool inFile, bool expected)
    {
        Enforcement decided = Enforcement.Decide(PreflightPolicy.Default with { HooksEnforce = inFile }, variable, "policy.toml");

        Assert.Equal(expected, decided.On);
        Assert.Equal($"KATA_PREFLIGHT_ENFORCE={variable} for this run", decided.Reason);
    }

    [Fact]
    public void An_unclear_variable_is_ignored_with_a_warning_and_the_file_decides()
    {
        Enforcement decided = Enforcement.Decide(PreflightPolicy.Default with { HooksEnforce = false }, "no", "policy.toml");

        Assert.False(decided.On);
        Assert.Contains("KATA_PREFLIGHT_ENFORCE='no' is neither 0 nor 1", decided.Warning);
    }

    [Theory]
    [InlineData("[hooks]\nenforced = false\n", "unknown key hooks.enforced")]
    [InlineData("[hooks]\nenforce = \"no\"\n", "hooks.enforce must be true or false")]
    [InlineData("hooks = 1\n", "'hooks' must be a table")]
    public void A_typo_in_the_hooks_table_is_an_error_not_a_silent_default(string toml, string message)
    {
        var error = Assert.Throws<HostConfigException>(() => Load(toml));

        Assert.Contains(message, error.Message);
    }

    private static PreflightPolicy Load(string toml)
    {
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, toml);
            return PreflightPolicy.Load(file, "policy.toml");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
