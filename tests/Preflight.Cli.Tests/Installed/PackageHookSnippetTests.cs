using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// The postinst / %posttrans snippets Kata's own packages paste in, as installed by our .deb, run by the chroot's
/// /bin/sh against the installed binary on a host whose clh initrd is stale (the demo host): a block fails the
/// package unless enforcement is off. The exit-status table against a fake binary (0, 1, 2, 3, 4, 134, missing)
/// is packaging/hooks/test-hooks.sh, run here too.
/// </summary>
public sealed class PackageHookSnippetTests(ITestOutputHelper output)
{
    private const string Postinst = "/usr/share/kata-preflight/hooks/kata-preflight-postinst.snippet";
    private const string Posttrans = "/usr/share/kata-preflight/hooks/kata-preflight-posttrans.snippet";

    [Theory]
    [InlineData(Postinst, new[] { "configure", "3.1.0-1" })]
    [InlineData(Posttrans, new string[0])]
    public void A_block_fails_the_package_by_default(string snippet, string[] arguments)
    {
        ProcessResult result = Installed.InChroot(["/bin/sh", snippet, .. arguments]);
        output.WriteLine(result.ToString());

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("verdict: BLOCK", result.Out); // the report itself, from the installed binary
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is on (the default)", result.Error);
    }

    [Theory]
    [InlineData(Postinst, new[] { "configure", "3.1.0-1" })]
    [InlineData(Posttrans, new string[0])]
    public void KATA_PREFLIGHT_ENFORCE_0_makes_a_block_loud_but_lets_the_package_through(string snippet, string[] arguments)
    {
        ProcessResult result = Installed.InChroot(["/bin/sh", snippet, .. arguments], null, ("KATA_PREFLIGHT_ENFORCE", "0"));
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("verdict: BLOCK", result.Out);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is off (KATA_PREFLIGHT_ENFORCE=0 for this run): continuing anyway", result.Error);
    }

    [Fact]
    public void A_first_install_does_not_run_the_check()
    {
        // dpkg calls postinst "configure" with no old version on a first install: nothing was upgraded.
        ProcessResult result = Installed.InChroot(["/bin/sh", Postinst, "configure"], null, ("KATA_PREFLIGHT_ENFORCE", "1"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Out + result.Error);
    }

    [Fact]
    public void The_snippets_exit_status_table_holds_for_every_tool_outcome()
    {
        string script = Path.Combine(TestData.Root, "packaging/hooks/test-hooks.sh");
        ProcessResult result = Installed.Run([Installed.FindTool("bash"), script], null, [("PATH", "/usr/bin:/bin")]);
        output.WriteLine(result.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotContain("FAIL", result.Error + result.Out);
    }
}
