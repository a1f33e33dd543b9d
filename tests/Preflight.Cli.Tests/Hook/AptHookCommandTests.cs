using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Hook;

/// <summary>
/// `kata-preflight hook apt` end to end: APT's captured hook input pointing at fake Kata .debs that hold real
/// runtime binaries and guest images with real agents (testdata/packages/make.sh, "hook fixtures").
/// Enforcement is on by default and switched off through the fake host's policy file, never through the process
/// environment, so these tests cannot leak into others running in parallel (KATA_PREFLIGHT_ENFORCE is tested
/// through Enforcement.Decide and, for real, in the installed-package tests).
/// </summary>
public sealed class AptHookCommandTests(ITestOutputHelper output)
{
    private const string GoTtrpcRuntime = "kata-runtime_3.5.0-1_amd64.deb";      // runtime-go-ttrpc-3.5.0
    private const string GogoGrpcRuntime = "kata-runtime_1.12.1-1_amd64.deb";    // runtime-gogo-grpc-1.12.1
    private const string RustAgentImage = "kata-containers-image_3.2.0-1_amd64.deb"; // agent-rust-3.2.0 (ttrpc)

    [Fact]
    public void Transaction_without_Kata_packages_exits_0_and_prints_nothing()
    {
        using var host = new FakeHost();
        (int exit, string stdout, string stderr) = HookFixtures.Run(HookFixtures.AptInput(runtimeDeb: null), "--root", host.Root);

        Assert.Equal(0, exit);
        Assert.Equal("", stdout);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void New_runtime_and_new_image_that_match_pass()
    {
        using var host = new FakeHost();
        string input = HookFixtures.AptInput(HookFixtures.HookPackage(GoTtrpcRuntime), HookFixtures.HookPackage(RustAgentImage));

        (int exit, string stdout, string stderr) = HookFixtures.Run(input, "--root", host.Root);
        output.WriteLine(stderr);

        Assert.True(exit == 0, stderr);
        Assert.Equal("", stdout); // APT shows a hook's stderr; stdout stays clean
        Assert.Contains("runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 3.5.0-1", stderr);
        Assert.Contains("guest image: /usr/share/kata-containers/kata-containers.img from kata-containers-image 3.2.0-1", stderr);
        // Nothing installed to pair with: the report says the pair is the transaction's own.
        Assert.Contains("(no Kata configuration on this host)  (the packages of this APT transaction)", stderr);
        Assert.DoesNotContain("BLOCK", stderr);
    }

    [Fact]
    public void New_runtime_with_the_wrong_transport_for_the_installed_image_stops_APT_by_default()
    {
        using var host = new FakeHost().WithInstalledImage(HookFixtures.HookImage("agent-rust-3.2.0-amd64.img"));
        string input = HookFixtures.AptInput(HookFixtures.HookPackage(GogoGrpcRuntime));

        (int exit, string stdout, string stderr) = HookFixtures.Run(input, "--root", host.Root);
        output.WriteLine(stderr);

        Assert.True(exit == 1, stderr);
        Assert.Equal("", stdout);
        Assert.Contains("BLOCK", stderr);
        Assert.Contains("TRANSPORT_MISMATCH", stderr);
        Assert.Contains("/usr/share/kata-containers/kata-containers.img", stderr); // the installed image is what it was paired with
        Assert.Contains("enforcement is on (the default)", stderr);
        Assert.Contains("KATA_PREFLIGHT_ENFORCE=0", stderr); // how to go ahead anyway
        // The candidate is named by its package, never by the scratch copy that is gone when APT shows this.
        Assert.Contains("runtime /usr/bin/containerd-shim-kata-v2 from kata-runtime 1.12.1-1 (kata-runtime_1.12.1-1_amd64.deb)", stderr);
        Assert.DoesNotContain(Path.GetTempPath().TrimEnd('/') + "/kata-preflight-", stderr);
    }

    [Fact]
    public void A_block_with_enforcement_off_in_the_policy_warns_loudly_and_lets_APT_go_on()
    {
        using var host = new FakeHost().WithInstalledImage(HookFixtures.HookImage("agent-rust-3.2.0-amd64.img")).NotEnforcing();
        string input = HookFixtures.AptInput(HookFixtures.HookPackage(GogoGrpcRuntime));

        (int exit, _, string stderr) = HookFixtures.Run(input, "--root", host.Root);
        output.WriteLine(stderr);

        Assert.Equal(0, exit);
        Assert.Contains("BLOCK", stderr);
        Assert.Contains("TRANSPORT_MISMATCH", stderr);
        Assert.Contains("enforcement is off ([hooks] enforce = false in /etc/kata-preflight/policy.toml): continuing anyway", stderr);
    }

    [Fact]
    public void New_image_is_checked_against_the_installed_runtime()
    {
        using var host = new FakeHost()
            .WithInstalledImage(HookFixtures.HookImage("agent-rust-3.2.0-amd64.img"))
            .WithInstalledRuntime(TestData.Generated("binaries", "runtime-gogo-grpc-1.12.1-amd64"))
            ;
        // The runtime line of the capture now carries the image package: only the image is new.
        string input = HookFixtures.AptInput(HookFixtures.HookPackage(RustAgentImage));

        (int exit, _, string stderr) = HookFixtures.Run(input, "--root", host.Root);
        output.WriteLine(stderr);

        Assert.True(exit == 1, stderr);
        Assert.Contains("TRANSPORT_MISMATCH", stderr);
        Assert.Contains("/usr/bin/containerd-shim-kata-v2", stderr);
    }

    [Fact]
    public void Only_a_Kata_removal_exits_0_silently()
    {
        string capture = HookFixtures.AptInput(runtimeDeb: null);
        string input = capture + "\nkata-shim 1.0.0-1 all none > - - none **REMOVE**\n";

        (int exit, _, string stderr) = HookFixtures.Run(input);

        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
    }

    [Fact]
    public void Malformed_hook_input_warns_and_exits_0()
    {
        (int exit, _, string stderr) = HookFixtures.Run("VERSION 9\n\n");

        Assert.Equal(0, exit);
        Assert.Contains("kata-preflight: warning: the APT hook could not check this upgrade", stderr);
        Assert.Contains("unsupported hook protocol version", stderr);
    }

    [Fact]
    public void A_policy_naming_an_unknown_rule_warns_without_calling_it_a_bug()
    {
        using var host = new FakeHost();
        string policy = Path.Combine(host.Root, "policy.toml");
        File.WriteAllText(policy, "ignore = [\"NO_SUCH_RULE\"]\n");
        string input = HookFixtures.AptInput(HookFixtures.HookPackage(GogoGrpcRuntime));

        (int exit, _, string stderr) = HookFixtures.Run(input, "--root", host.Root, "--policy", policy);

        Assert.Equal(0, exit);
        Assert.Contains("could not check this upgrade", stderr);
        Assert.Contains("NO_SUCH_RULE", stderr);
        Assert.DoesNotContain("bug", stderr);
    }

    [Fact]
    public void An_unreadable_Kata_deb_warns_and_exits_0()
    {
        using var host = new FakeHost();
        string bogus = Path.Combine(host.Root, "kata-runtime_9.9.9-1_amd64.deb");
        File.WriteAllText(bogus, "not a package");

        (int exit, _, string stderr) = HookFixtures.Run(HookFixtures.AptInput(bogus), "--root", host.Root);

        Assert.Equal(0, exit);
        Assert.Contains("cannot be read, skipped", stderr);
        Assert.Contains("could not be read", stderr); // the package's own error, not "carries no runtime"
        Assert.Contains("nothing to check", stderr);
    }
    [Fact]
    public void A_first_runtime_install_with_nothing_installed_to_pair_it_with_warns_and_exits_0()
    {
        using var host = new FakeHost(); // no configuration, no image: nothing to compare against
        string input = HookFixtures.AptInput(HookFixtures.HookPackage(GogoGrpcRuntime));

        (int exit, _, string stderr) = HookFixtures.Run(input, "--root", host.Root);
        output.WriteLine(stderr);

        Assert.Equal(0, exit);
        Assert.Contains("kata-preflight: warning: nothing to check the new Kata packages against", stderr);
    }
}
