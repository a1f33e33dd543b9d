namespace Preflight.Cli.Tests.Hook;

/// <summary>
/// `kata-preflight hook check`, what Kata's postinst/%posttrans snippets run, on the committed demo host (whose clh
/// initrd blocks): exit 1 by default, 0 with a loud warning when the policy turned enforcement off, 3 when there is
/// nothing to check (which the snippets only warn about). The environment switch is covered by HooksPolicyTests
/// and, for real, by the installed-package tests: setting it here would leak into tests running in parallel.
/// </summary>
public sealed class HookCheckCommandTests
{
    [Fact]
    public void A_block_exits_1_by_default_and_says_how_to_go_ahead()
    {
        CliResult result = Cli.Run("hook", "check", "--root", Cli.DemoHost);

        Assert.Equal(ExitCodes.Block, result.ExitCode);
        Assert.Contains("verdict: BLOCK", result.Out); // the report, on stdout as `check` prints it
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is on (the default): failing this package operation", result.Error);
        Assert.Contains("KATA_PREFLIGHT_ENFORCE=0", result.Error);
    }

    [Fact]
    public void A_block_with_enforcement_off_in_the_policy_warns_and_exits_0()
    {
        string policy = Path.GetTempFileName();
        try
        {
            File.WriteAllText(policy, "[hooks]\nenforce = false\n");
            CliResult result = Cli.Run("hook", "check", "--root", Cli.DemoHost, "--policy", policy);

            Assert.Equal(ExitCodes.Ok, result.ExitCode);
            Assert.Contains("verdict: BLOCK", result.Out);
            Assert.Contains($"enforcement is off ([hooks] enforce = false in {policy}): continuing anyway", result.Error);
        }
        finally
        {
            File.Delete(policy);
        }
    }

    [Fact]
    public void Nothing_to_check_is_exit_3_not_a_verdict()
    {
        string empty = Directory.CreateTempSubdirectory("kata-preflight-empty-").FullName;
        try
        {
            CliResult result = Cli.Run("hook", "check", "--root", empty);

            Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
            Assert.DoesNotContain("BLOCK", result.Error);
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }
}
