using System.Text.Json;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// `check` on fake hosts. The committed demo host is a kata-deploy install with a 2.2 runtime, a matching qemu disk
/// image and a stale 2.0 initrd for clh (whose seccomp messages no longer decode): see testdata/make-demo-host.sh.
/// </summary>
public class CheckCommandTests
{
    // The demo host's containerd names each class's configuration by ConfigPath (as kata-deploy does).
    private const string QemuConfig = "/opt/kata/share/defaults/kata-containers/configuration-qemu.toml";
    private const string ClhConfig = "/opt/kata/share/defaults/kata-containers/configuration-clh.toml";

    [Fact]
    public void DemoHostBlocksOnTheStaleInitrdAndSaysWhy()
    {
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost);

        Assert.Equal(ExitCodes.Block, result.ExitCode);
        Assert.Contains(QemuConfig, result.Out);
        Assert.Contains(ClhConfig, result.Out);
        Assert.Contains("runtime class kata-qemu (io.containerd.kata-qemu.v2, /etc/containerd/config.toml)", result.Out);
        Assert.Contains("runtime class kata-clh (io.containerd.kata-clh.v2, /etc/containerd/config.toml)", result.Out);
        Assert.Contains("FIELD_MESSAGE_BYTES_CHANGED  grpc.LinuxSeccomp.Flags", result.Out);
        Assert.Contains("verdict: BLOCK", result.Out);
        Assert.Contains("next:", result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public void JsonReportSaysWhatWasInspectedAndJudgesEachPair()
    {
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--format", "json");
        Assert.Equal(ExitCodes.Block, result.ExitCode);

        using var json = JsonDocument.Parse(result.Out);
        JsonElement root = json.RootElement;
        Assert.Equal("block", root.GetProperty("verdict").GetString());
        var checks = root.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(2, checks.Count);

        JsonElement qemu = checks.Single(c => c.GetProperty("config").GetProperty("hypervisor").GetString() == "qemu");
        Assert.True(qemu.GetProperty("compared").GetBoolean());
        Assert.NotEqual("block", qemu.GetProperty("verdict").GetString());
        Assert.Equal("kata-dax", qemu.GetProperty("image").GetProperty("layout").GetString());
        Assert.Equal("ext4", qemu.GetProperty("image").GetProperty("filesystem").GetString());
        Assert.Equal("2.2.0", qemu.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("ttrpc", qemu.GetProperty("runtime").GetProperty("transport").GetString());
        // Same release on both sides: the wire fingerprints agree.
        Assert.Equal(qemu.GetProperty("runtime").GetProperty("fingerprint").GetString(),
            qemu.GetProperty("agent").GetProperty("fingerprint").GetString());

        JsonElement clh = checks.Single(c => c.GetProperty("config").GetProperty("hypervisor").GetString() == "clh");
        Assert.Equal("block", clh.GetProperty("verdict").GetString());
        Assert.Equal("initrd", clh.GetProperty("image").GetProperty("layout").GetString());
        Assert.Contains(root.GetProperty("findings").EnumerateArray(), f =>
            f.GetProperty("rule").GetString() == "FIELD_MESSAGE_BYTES_CHANGED" && f.GetProperty("severity").GetString() == "block"
            && f.GetProperty("config").GetString() == ClhConfig);
    }

    [Fact]
    public void IgnoringTheBlockingRuleAndFailOnNeverChangeTheExitCode()
    {
        CliResult ignored = Cli.Run("check", "--root", Cli.DemoHost, "--ignore", "FIELD_MESSAGE_BYTES_CHANGED");
        Assert.Equal(ExitCodes.Ok, ignored.ExitCode);
        // Suppressed, not deleted: still shown, marked as ignored, and not counted.
        Assert.Contains("ignored  FIELD_MESSAGE_BYTES_CHANGED", ignored.Out);
        Assert.DoesNotContain("BLOCK  FIELD_MESSAGE_BYTES_CHANGED", ignored.Out);

        CliResult never = Cli.Run("check", "--root", Cli.DemoHost, "--fail-on", "never");
        Assert.Equal(ExitCodes.Ok, never.ExitCode);
        Assert.Contains("verdict: BLOCK", never.Out);

        CliResult strict = Cli.Run("check", "--root", Cli.DemoHost, "--config", QemuConfig, "--fail-on", "warn",
            "--ignore", "DRIVER_UNKNOWN_TO_AGENT,VERSION_UNKNOWN");
        Assert.Equal(ExitCodes.Ok, strict.ExitCode);
    }

    [Fact]
    public void CandidateImageOverridesTheConfiguredOne()
    {
        string goodImage = Path.Combine(Cli.DemoHost, "opt/kata/share/kata-containers/kata-containers-2.2.0.img");
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--config", ClhConfig, "--image", goodImage, "--format", "json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement check = Assert.Single(json.RootElement.GetProperty("checks").EnumerateArray());
        Assert.Equal(goodImage, check.GetProperty("image").GetProperty("path").GetString());
        Assert.DoesNotContain(check.GetProperty("findings").EnumerateArray(), f => f.GetProperty("severity").GetString() == "block");
    }

    [Fact]
    public void QuietPrintsOnlyProblems()
    {
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--quiet");
        Assert.Equal(ExitCodes.Block, result.ExitCode);
        Assert.DoesNotContain("  [qemu] image", result.Out);
        Assert.Contains($"{ClhConfig} (runtime class kata-clh) [clh]: grpc.LinuxSeccomp.Flags", result.Out);
    }

    [Fact]
    public void HostWithoutKataExitsThreeWithOneLine()
    {
        string empty = Directory.CreateTempSubdirectory("kata-preflight-empty-").FullName;
        CliResult result = Cli.Run("check", "--root", empty);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Equal("", result.Out);
        string line = Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.StartsWith("kata-preflight: error: no Kata configuration found under " + empty, line);
    }

    [Fact]
    public void MissingConfiguredImageIsNamed()
    {
        string host = Cli.CopyOfDemoHost();
        File.Delete(Path.Combine(host, "opt/kata/share/kata-containers/kata-containers-initrd-2.0.0.img"));

        CliResult result = Cli.Run("check", "--root", host, "--config", ClhConfig);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Contains("IMAGE_UNREADABLE", result.Out);
        Assert.Contains("/opt/kata/share/kata-containers/kata-containers-initrd.img: the configured guest image does not exist", result.Error);
    }

    [Fact]
    public void TomlSyntaxErrorGivesLineAndColumn()
    {
        string host = Cli.CopyOfDemoHost();
        string config = Path.Combine(host, "opt/kata/share/defaults/kata-containers/configuration-clh.toml");
        File.WriteAllText(config, "[hypervisor.clh]\ninitrd = \"/x.img\"\npath = \n");

        CliResult result = Cli.Run("check", "--root", host, "--config", ClhConfig);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Contains($"{ClhConfig}:3:8: TOML syntax error", result.Error);
    }

    [Fact]
    public void DistroInstallIsFoundUnderUsr()
    {
        string host = Directory.CreateTempSubdirectory("kata-preflight-distro-").FullName;
        string demo = Cli.DemoHost;
        Directory.CreateDirectory(Path.Combine(host, "usr/bin"));
        Directory.CreateDirectory(Path.Combine(host, "usr/share/kata-containers"));
        Directory.CreateDirectory(Path.Combine(host, "usr/share/defaults/kata-containers"));
        File.Copy(Path.Combine(demo, "opt/kata/bin/containerd-shim-kata-v2"), Path.Combine(host, "usr/bin/containerd-shim-kata-v2"));
        File.Copy(Path.Combine(demo, "opt/kata/share/kata-containers/kata-containers-2.2.0.img"),
            Path.Combine(host, "usr/share/kata-containers/kata-containers.img"));
        File.WriteAllText(Path.Combine(host, "usr/share/defaults/kata-containers/configuration.toml"),
            "[hypervisor.qemu]\npath = \"/usr/bin/qemu-system-x86_64\"\nimage = \"/usr/share/kata-containers/kata-containers.img\"\n");

        CliResult result = Cli.Run("check", "--root", host, "--format", "json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement check = Assert.Single(json.RootElement.GetProperty("checks").EnumerateArray());
        Assert.Equal("/usr/share/defaults/kata-containers/configuration.toml", check.GetProperty("config").GetProperty("path").GetString());
        Assert.Equal("/usr/bin/containerd-shim-kata-v2", check.GetProperty("runtime").GetProperty("path").GetString());
    }

    [Fact]
    public void PolicyFileChangesSeveritiesAndRejectsUnknownRules()
    {
        string policy = Path.GetTempFileName();
        File.WriteAllText(policy, "fail-on = \"block\"\n[severity]\nFIELD_MESSAGE_BYTES_CHANGED = \"warn\"\n");
        Assert.Equal(ExitCodes.Ok, Cli.Run("check", "--root", Cli.DemoHost, "--policy", policy).ExitCode);

        File.WriteAllText(policy, "ignore = [\"NO_SUCH_RULE\"]\n");
        CliResult bad = Cli.Run("check", "--root", Cli.DemoHost, "--policy", policy);
        // A name the tool does not know is a usage error: a typo must not loosen the check.
        Assert.Equal(ExitCodes.Usage, bad.ExitCode);
        Assert.Contains("unknown rule 'NO_SUCH_RULE'", bad.Error);
    }

    [Fact]
    public void UsageErrorsExitTwo()
    {
        Assert.Equal(ExitCodes.Usage, Cli.Run("check", "--format", "yaml").ExitCode);
        Assert.Equal(ExitCodes.Usage, Cli.Run("no-such-command").ExitCode);
        CliResult help = Cli.Run("check", "--help");
        Assert.Equal(ExitCodes.Ok, help.ExitCode);
        Assert.Contains("Exit codes: 0 pass", help.Out);
    }
}

public class CheckPackageTests
{
    [Fact]
    public void ARuntimePackageIsCheckedAgainstTheInstalledImagesBeforeInstall()
    {
        // A 1.x runtime (gRPC) in a .deb, against the demo host's 2.x agents (ttrpc): they cannot talk at all.
        string package = TestData.Generated("packages", "hook", "kata-runtime_1.12.1-1_amd64.deb");
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--package", package,
            "--config", "/opt/kata/share/defaults/kata-containers/configuration.toml");

        Assert.Equal(ExitCodes.Block, result.ExitCode);
        Assert.Contains("TRANSPORT_MISMATCH", result.Out);
        Assert.Contains("1.12.1", result.Out);
        // stderr says which package and installed path each candidate came from.
        Assert.Contains("kata-preflight: runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 1.12.1-1 (kata-runtime_1.12.1-1_amd64.deb)", result.Error);
    }

    [Fact]
    public void APackageWithoutKataIsAClearError()
    {
        string unrelated = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-pkg-").FullName, "notes.deb");
        File.WriteAllText(unrelated, "!<arch>\n");
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--package", unrelated);
        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Contains(unrelated, result.Error);
    }
}
