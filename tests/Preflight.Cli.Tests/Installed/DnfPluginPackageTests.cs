using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// The dnf plugin as packaging/build.sh ships it: in the .deb at Debian's dnf plugin path with its .conf a conffile,
/// and in the .rpm's python3-dnf-plugin-kata-preflight subpackage, the same two files, which alone requires python
/// (rpm's own generator adds python(abi)) so the binary's package installs on any release.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DnfPluginPackageTests(ITestOutputHelper output)
{
    private const string RpmPlugin = "usr/lib/python3.9/site-packages/dnf-plugins/kata_preflight.py";

    private static string DnfRpm => Directory.GetFiles(Installed.Dir("packages"), "python3-dnf-plugin-kata-preflight-*.noarch.rpm").Single();

    [Fact]
    public void The_deb_installs_the_plugin_where_Debian_dnf_loads_plugins_and_keeps_its_conf_as_a_conffile()
    {
        var listed = File.ReadAllLines(Path.Combine(Installed.DebRoot, "var/lib/dpkg/info/kata-preflight.list"));
        Assert.Contains("/" + DnfSandbox.ShippedPlugin, listed);
        Assert.Contains("/" + DnfSandbox.ShippedConf, listed);
        Assert.Contains("/" + DnfSandbox.ShippedConf,
            File.ReadAllLines(Path.Combine(Installed.DebRoot, "var/lib/dpkg/info/kata-preflight.conffiles")));
        // Debian's python3-dnf says where it looks; the plugin must be exactly there.
        ProcessResult pluginPath = Installed.Run([Installed.FindTool("python3"), "-c", "import dnf.const; print(dnf.const.PLUGINPATH)"],
            null, [("PATH", "/usr/bin:/bin")]);
        Assert.True(pluginPath.ExitCode == 0, pluginPath.ToString());
        Assert.Equal("/" + Path.GetDirectoryName(DnfSandbox.ShippedPlugin) + "\n", pluginPath.Out);
        Assert.Contains("enabled=1", File.ReadAllText(Path.Combine(Installed.DebRoot, DnfSandbox.ShippedConf)));
    }

    [Fact]
    public void The_rpm_subpackage_carries_the_same_plugin_and_conf_and_alone_requires_python()
    {
        Assert.Equal(Sha256(Path.Combine(Installed.DebRoot, DnfSandbox.ShippedPlugin)), Sha256(Path.Combine(Installed.RpmRoot, RpmPlugin)));
        Assert.Equal(Sha256(Path.Combine(Installed.DebRoot, DnfSandbox.ShippedConf)), Sha256(Path.Combine(Installed.RpmRoot, DnfSandbox.ShippedConf)));

        string pluginRequires = File.ReadAllText(Installed.Dir("dnf-rpm-requires.txt"));
        Assert.Contains("python(abi) = 3.9", pluginRequires);
        Assert.Contains("python3-dnf", pluginRequires);
        Assert.Contains("kata-preflight = ", pluginRequires);
        Assert.DoesNotContain("python", File.ReadAllText(Installed.Dir("rpm-requires.txt")));

        ProcessResult config = Installed.Run([Installed.FindTool("rpm"), "-qpc", "--nosignature", DnfRpm], null, [("PATH", "/usr/bin:/bin")]);
        Assert.True(config.ExitCode == 0, config.ToString());
        Assert.Equal("/" + DnfSandbox.ShippedConf + "\n", config.Out); // %config(noreplace): an admin's enabled=0 survives upgrades
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

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
