using Preflight.Tests;
using Preflight.Host.Apt;

namespace Preflight.Host.Tests.Apt;

/// <summary>
/// apt-hook-v2.txt and apt-hook-v3.txt were written by a real APT (testdata/packages/capture-apt-hook.sh): upgrade
/// kata-runtime 3.1.0-1 → 3.2.0-1, install hello-probe 1.0-1, remove kata-shim 1.0.0-1.
/// </summary>
public class AptHookInputTests
{
    private static string Capture(int version) => TestData.Path("packages", $"apt-hook-v{version}.txt");

    private static AptHookInput ParseCapture(int version)
    {
        using var reader = new StreamReader(Capture(version));
        return AptHookInput.Parse(reader, Capture(version));
    }

    [Fact]
    public void Version_3_capture_gives_every_action_with_architectures()
    {
        AptHookInput input = ParseCapture(3);

        Assert.Equal(3, input.ProtocolVersion);
        Assert.Equal(["kata-shim", "hello-probe", "kata-runtime", "hello-probe", "kata-runtime"], input.Actions.Select(a => a.Name));

        AptPackageAction remove = input.Actions[0];
        Assert.Equal(("1.0.0-1", "all", "none"), (remove.OldVersion, remove.OldArchitecture, remove.OldMultiArch));
        Assert.Equal(AptVersionDirection.Downgrade, remove.Direction);
        Assert.Null(remove.NewVersion);
        Assert.Null(remove.NewArchitecture);
        Assert.Equal(AptActionKind.Remove, remove.Action);

        AptPackageAction upgrade = input.Actions[2];
        Assert.Equal("3.1.0-1", upgrade.OldVersion);
        Assert.Equal(AptVersionDirection.Upgrade, upgrade.Direction);
        Assert.Equal(("3.2.0-1", "all", "none"), (upgrade.NewVersion, upgrade.NewArchitecture, upgrade.NewMultiArch));
        Assert.Equal(AptActionKind.Install, upgrade.Action);
        Assert.EndsWith("/kata-runtime_3.2.0-1_all.deb", upgrade.DebPath);

        AptPackageAction firstInstall = input.Actions[1];
        Assert.Null(firstInstall.OldVersion);
        Assert.Null(firstInstall.OldArchitecture);
        Assert.Equal("amd64", firstInstall.NewArchitecture);
        Assert.Equal(AptActionKind.Configure, input.Actions[4].Action);
        Assert.Null(input.Actions[4].DebPath);
    }

    [Fact]
    public void Version_2_capture_gives_the_same_actions_without_architectures()
    {
        AptHookInput v2 = ParseCapture(2);
        AptHookInput v3 = ParseCapture(3);

        Assert.Equal(2, v2.ProtocolVersion);
        Assert.Equal(
            v3.Actions.Select(a => (a.Name, a.OldVersion, a.Direction, a.NewVersion, a.Action, Path.GetFileName(a.DebPath))),
            v2.Actions.Select(a => (a.Name, a.OldVersion, a.Direction, a.NewVersion, a.Action, Path.GetFileName(a.DebPath))));
        Assert.All(v2.Actions, a => Assert.Null(a.NewArchitecture));
    }

    [Fact]
    public void Kata_actions_leave_out_unrelated_packages()
    {
        AptHookInput input = ParseCapture(3);

        Assert.Equal(["kata-shim", "kata-runtime", "kata-runtime"], input.KataActions.Select(a => a.Name));
        Assert.Equal([AptActionKind.Remove, AptActionKind.Install, AptActionKind.Configure], input.KataActions.Select(a => a.Action));
    }

    [Fact]
    public void A_transaction_of_unrelated_packages_has_no_kata_actions()
    {
        // The real capture with the Kata lines taken out: what APT sends when only other packages change.
        string[] lines = File.ReadAllLines(Capture(3));
        string text = string.Join('\n', lines.Where(line => !line.StartsWith("kata-", StringComparison.Ordinal))) + "\n";

        AptHookInput input = AptHookInput.Parse(new StringReader(text));

        Assert.Equal(2, input.Actions.Count);
        Assert.Empty(input.KataActions);
    }

    [Fact]
    public void Configuration_is_decoded_and_lists_keep_every_item()
    {
        AptHookInput input = ParseCapture(3);

        // The hook's own options are there under the hook command (the first word of the hook line).
        string hook = input.GetConfigurationList("DPkg::Pre-Install-Pkgs").Single(item => item.Contains("hook.sh"));
        Assert.Equal("3", input.GetConfiguration($"DPkg::Tools::Options::{hook}::Version"));
        // %20 in values becomes a space; case does not matter in keys.
        Assert.Contains(input.GetConfigurationList("apt::update::post-invoke"), item => item.StartsWith("rm -f /var/cache/apt/archives/*.deb ", StringComparison.Ordinal));
        Assert.True(input.Configuration.Count > 100);
    }

    [Fact]
    public void Version_1_is_file_names_only()
    {
        const string text = "/var/cache/apt/archives/kata-containers_2%3a3.2.0-1_amd64.deb\n/var/cache/apt/archives/curl_7.88.1-10_amd64.deb\n";

        AptHookInput input = AptHookInput.Parse(new StringReader(text));

        Assert.Equal(1, input.ProtocolVersion);
        AptPackageAction kata = Assert.Single(input.KataActions);
        Assert.Equal(("kata-containers", "2:3.2.0-1", "amd64"), (kata.Name, kata.NewVersion, kata.NewArchitecture));
        Assert.Equal(AptActionKind.Install, kata.Action);
    }

    [Theory]
    [InlineData("VERSION 4\n\n", 1, "unsupported hook protocol version")]
    [InlineData("VERSION 3\nAPT::Architecture=amd64\n", 2, "no blank line")]
    [InlineData("VERSION 3\nno-equals-sign\n\n", 2, "not key=value")]
    [InlineData("VERSION 3\n\nkata-runtime - - none ? 3.2.0-1 amd64 same /tmp/x.deb\n", 3, "not <, > or =")]
    [InlineData("VERSION 3\n\nkata-runtime - < 3.2.0-1 /tmp/x.deb\n", 3, "version 3 has 9")]
    [InlineData("VERSION 2\n\nkata-runtime - < 3.2.0-1 relative.deb\n", 3, "neither a .deb path")]
    public void Malformed_input_names_the_line(string text, int line, string problem)
    {
        var error = Assert.Throws<AptHookFormatException>(() => AptHookInput.Parse(new StringReader(text), "stdin"));

        Assert.Equal(line, error.Line);
        Assert.Contains(problem, error.Message);
        Assert.StartsWith("stdin: line ", error.Message);
    }

    [Theory]
    [InlineData("kata-containers", true)]
    [InlineData("kata-runtime", true)]
    [InlineData("kata-agent", true)]
    [InlineData("kata-containers-image", true)]
    [InlineData("kata-ksm-throttler", true)]
    [InlineData("qemu-lite", true)]
    [InlineData("qemu-system-x86-kata", true)]
    [InlineData("kata-preflight", false)]
    [InlineData("qemu-system-x86", false)]
    [InlineData("containerd", false)]
    [InlineData("katana", false)]
    public void Kata_package_names(string name, bool expected) =>
        Assert.Equal(expected, KataPackageNames.IsKata(name));
}
