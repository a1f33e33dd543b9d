using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// The dnf plugin as packaging/build.sh ships it: the .rpm's python3-dnf-plugin-kata-preflight subpackage holds the
/// plugin in python's site-packages and its .conf as %config(noreplace), and alone requires python (rpm's own
/// generator adds python(abi)), so the binary's package installs on any release. The .deb carries no plugin.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DnfPluginPackageTests(ITestOutputHelper output)
{
    private static string DnfRpm => Directory.GetFiles(Installed.Dir("packages"), "python3-dnf-plugin-kata-preflight-*.noarch.rpm").Single();

    [Fact]
    public void The_plugin_subpackage_holds_the_plugin_and_its_conf_and_alone_requires_python()
    {
        ProcessResult files = Installed.Run([Installed.FindTool("rpm"), "-qpl", "--nosignature", DnfRpm], null, [("PATH", "/usr/bin:/bin")]);
        Assert.True(files.ExitCode == 0, files.ToString());
        Assert.Equal($"/{DnfSandbox.ShippedConf}\n/{DnfSandbox.ShippedPlugin}\n", files.Out);
        ProcessResult config = Installed.Run([Installed.FindTool("rpm"), "-qpc", "--nosignature", DnfRpm], null, [("PATH", "/usr/bin:/bin")]);
        Assert.Equal($"/{DnfSandbox.ShippedConf}\n", config.Out); // %config(noreplace): an admin's enabled=0 survives upgrades
        Assert.Contains("enabled=1", File.ReadAllText(Path.Combine(Installed.RpmRoot, DnfSandbox.ShippedConf)));

        string pluginRequires = File.ReadAllText(Installed.Dir("dnf-rpm-requires.txt"));
        Assert.Contains("python(abi) = 3.9", pluginRequires);
        Assert.Contains("python3-dnf", pluginRequires);
        Assert.Contains("kata-preflight = ", pluginRequires);
        Assert.DoesNotContain("python", File.ReadAllText(Installed.Dir("rpm-requires.txt")));
        Assert.False(Directory.Exists(Path.Combine(Installed.DebRoot, "etc/dnf")));
    }

    [Fact]
    public void Rpmlint_reports_no_errors_on_the_plugin_rpm()
    {
        string config = Path.Combine(TestData.Root, "packaging/rpm/rpmlint.toml");
        ProcessResult result = Installed.Run([Installed.FindTool("rpmlint"), "-c", config, DnfRpm],
            null, [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("HOME", Path.GetTempPath())]);
        output.WriteLine(result.ToString());

        Assert.Contains(" 0 errors,", result.Out);
        Assert.DoesNotMatch(@"(?m): E: ", result.Out);
    }
}
