namespace Preflight.Cli.Tests.Hook;

/// <summary>
/// `kata-preflight hook dnf`, what the dnf plugin runs before rpm installs anything, in process: the listing the
/// plugin writes ("NAME PATH" per incoming package) pointing at the fake Kata RPMs rpmbuild made
/// (testdata/rpm-packages/make.sh), against fake hosts. Real dnf runs it in Installed/DnfTransactionTests.
/// </summary>
public sealed class DnfHookCommandTests
{
    private static string Rpm(string name) => TestData.Generated("rpm-packages", "repo", name);

    /// <summary>The plugin's line for one incoming package: its name and the downloaded .rpm.</summary>
    private static string Line(string name, string file) => $"{name} {Rpm(file)}\n";

    [Fact]
    public void An_incompatible_runtime_rpm_blocks_and_is_named_by_its_package()
    {
        using var host = new FakeHost().WithInstalledImage(HookFixtures.HookImage("agent-gogo-grpc-1.12.1-amd64.img"));

        CliResult result = Cli.RunWithInput(Line("kata-runtime", "kata-runtime-3.5.0-1.x86_64.rpm") + Line("hello-probe", "hello-probe-1.0-1.noarch.rpm"),
            "hook", "dnf", "--root", host.Root);

        Assert.Equal(ExitCodes.Block, result.ExitCode);
        Assert.Equal("", result.Out); // the plugin shows stderr; stdout carries nothing
        Assert.Contains("runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 3.5.0-1 (kata-runtime-3.5.0-1.x86_64.rpm)", result.Error);
        Assert.Contains("TRANSPORT_MISMATCH", result.Error);
        Assert.Contains("enforcement is on (the default): stopping this transaction before rpm installs anything", result.Error);
        Assert.DoesNotContain("/tmp/kata-preflight-", result.Error);
        Assert.DoesNotContain("hello-probe", result.Error); // not Kata's: not even opened
    }

    [Fact]
    public void A_matching_runtime_and_image_pass()
    {
        using var host = new FakeHost();
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(Path.Combine(host.Root, "etc/kata-containers")).FullName, "configuration.toml"),
            "[hypervisor.qemu]\nimage = \"/usr/share/kata-containers/kata-containers.img\"\n");

        CliResult result = Cli.RunWithInput(Line("kata-runtime", "kata-runtime-1.12.1-1.x86_64.rpm") + Line("kata-containers-image", "kata-containers-image-1.12.1-1.x86_64.rpm"),
            "hook", "dnf", "--root", host.Root);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("guest image: /usr/share/kata-containers/kata-containers.img from kata-containers-image 1.12.1-1", result.Error);
        Assert.Contains("verdict: PASS", result.Error);
    }

    [Fact]
    public void With_enforcement_off_a_block_warns_and_exits_0()
    {
        using var host = new FakeHost().WithInstalledImage(HookFixtures.HookImage("agent-gogo-grpc-1.12.1-amd64.img")).NotEnforcing();

        CliResult result = Cli.RunWithInput(Line("kata-runtime", "kata-runtime-3.5.0-1.x86_64.rpm"), "hook", "dnf", "--root", host.Root);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is off ([hooks] enforce = false in /etc/kata-preflight/policy.toml): continuing anyway", result.Error);
    }

    [Fact]
    public void A_transaction_without_Kata_packages_is_silent()
    {
        using var host = new FakeHost().WithInstalledImage(HookFixtures.HookImage("agent-gogo-grpc-1.12.1-amd64.img"));

        CliResult result = Cli.RunWithInput(Line("hello-probe", "hello-probe-1.0-1.noarch.rpm") + "kata-preflight /no/such/kata-preflight.rpm\n",
            "hook", "dnf", "--root", host.Root);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Equal("", result.Out + result.Error);
    }

    [Theory]
    [InlineData("kata-runtime\n", "stdin: line 1: expected \"NAME /path/to/package.rpm\"")]
    [InlineData("hello-probe /x.rpm\nkata-runtime relative/kata-runtime.rpm\n", "stdin: line 2: expected \"NAME /path/to/package.rpm\"")]
    [InlineData(" /leading-space.rpm\n", "stdin: line 1: expected")]
    public void A_malformed_listing_is_a_warning_naming_the_line_never_a_verdict(string listing, string expected)
    {
        CliResult result = Cli.RunWithInput(listing, "hook", "dnf", "--root", "/nonexistent");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.StartsWith("kata-preflight: warning: the dnf plugin could not check this upgrade (" + expected, result.Error);
        Assert.Equal(1, result.Error.Count(c => c == '\n'));
    }

    [Fact]
    public void A_runaway_listing_is_cut_at_its_limit_and_only_warns()
    {
        string listing = new('x', Preflight.Host.Dnf.DnfHookInput.MaxInputCharacters + 1);

        CliResult result = Cli.RunWithInput(listing, "hook", "dnf", "--root", "/nonexistent");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains($"(stdin: more than {Preflight.Host.Dnf.DnfHookInput.MaxInputCharacters} characters of input); continuing", result.Error);
    }

    [Fact]
    public void An_unreadable_Kata_rpm_is_a_warning_naming_the_file()
    {
        using var host = new FakeHost().WithInstalledImage(HookFixtures.HookImage("agent-gogo-grpc-1.12.1-amd64.img"));
        string notAnRpm = HookFixtures.HookImage("agent-rust-3.2.0-amd64.img");

        CliResult result = Cli.RunWithInput($"kata-runtime {notAnRpm}\n", "hook", "dnf", "--root", host.Root);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.Contains($"{notAnRpm}: cannot be read, skipped", result.Error);
        Assert.Contains("nothing to check, continuing", result.Error);
    }
}
