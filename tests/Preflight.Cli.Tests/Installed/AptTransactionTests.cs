using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// Real apt-get transactions with the installed package's own APT hook (/etc/apt/apt.conf.d/70kata-preflight from
/// the .deb that dpkg installed): APT speaks hook protocol version 3 to the installed binary before dpkg runs, and
/// either stops (nothing unpacked) or lets dpkg unpack the packages. Everything lives in a private sandbox: its own
/// file: repository of fake Kata packages holding real runtimes and images (testdata/packages/make.sh), its own
/// APT state, a dpkg database and root of its own, and a fake host root for the hook's --root.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AptTransactionTests(ITestOutputHelper output)
{
    [Fact]
    public void An_incompatible_runtime_upgrade_is_stopped_by_default_before_dpkg_unpacks_anything()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img");

        ProcessResult result = apt.Install("kata-runtime=1.12.1-1");
        output.WriteLine(result.ToString());

        Assert.Equal(100, result.ExitCode); // apt-get's own "an error occurred"
        Assert.Contains("TRANSPORT_MISMATCH", result.Error);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is on (the default)", result.Error);
        // APT's error line names the short script, not a shell one-liner.
        Assert.Contains("/etc/kata-preflight/apt-hook returned an error code (1)", result.Error);
        Assert.DoesNotContain("rc=$?", result.Error);
        // The runtime is named by its package and version, not by a scratch copy that is gone by now.
        Assert.Contains("runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 1.12.1-1", result.Error);
        Assert.DoesNotContain("/tmp/kata-preflight-", result.Error);
        Assert.False(apt.Unpacked("usr/bin/containerd-shim-kata-v2"), "dpkg ran although the hook failed");
        Assert.DoesNotContain("kata-runtime", apt.DpkgStatus());
    }

    [Fact]
    public void KATA_PREFLIGHT_ENFORCE_0_lets_one_run_through_with_a_loud_warning()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img");

        ProcessResult result = apt.Install(["kata-runtime=1.12.1-1"], ("KATA_PREFLIGHT_ENFORCE", "0"));
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is off (KATA_PREFLIGHT_ENFORCE=0 for this run): continuing anyway", result.Error);
        Assert.True(apt.Unpacked("usr/bin/containerd-shim-kata-v2"));
    }

    [Fact]
    public void The_policy_can_turn_enforcement_off_and_the_variable_beats_it_for_one_run()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img").WithPolicy("[hooks]\nenforce = false\n");

        ProcessResult forced = apt.Install(["kata-runtime=1.12.1-1"], ("KATA_PREFLIGHT_ENFORCE", "1"));
        output.WriteLine(forced.ToString());
        Assert.Equal(100, forced.ExitCode);
        Assert.Contains("enforcement is on (KATA_PREFLIGHT_ENFORCE=1 for this run)", forced.Error);
        Assert.False(apt.Unpacked("usr/bin/containerd-shim-kata-v2"));

        ProcessResult result = apt.Install("kata-runtime=1.12.1-1");
        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is off ([hooks] enforce = false in /etc/kata-preflight/policy.toml)", result.Error);
        Assert.True(apt.Unpacked("usr/bin/containerd-shim-kata-v2"));
    }

    [Fact]
    public void A_matching_runtime_and_image_pass_and_dpkg_unpacks_them()
    {
        using var apt = new AptSandbox();

        ProcessResult result = apt.Install("kata-runtime=3.5.0-1", "kata-containers-image=3.2.0-1");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 3.5.0-1", result.Error);
        Assert.DoesNotContain("BLOCK", result.Error + result.Out);
        Assert.True(apt.Unpacked("usr/bin/containerd-shim-kata-v2"));
        Assert.True(apt.Unpacked("usr/share/kata-containers/kata-containers-3.2.0-1.img"));
        Assert.Contains("Package: kata-runtime\nStatus: install ok installed", apt.DpkgStatus());
    }

    [Fact]
    public void A_transaction_without_Kata_packages_is_not_even_looked_at()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img");

        ProcessResult result = apt.Install("hello-probe");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error); // the hook printed nothing (APT shows a hook's stderr)
        Assert.DoesNotContain("kata-preflight:", result.Out);
        Assert.True(apt.Unpacked("usr/share/doc/hello-probe/README"));
    }

    [Fact]
    public void After_kata_preflight_is_removed_its_kept_hook_is_silent()
    {
        // `apt-get remove` keeps conffiles: the APT configuration and the script stay, the binary goes. Real dpkg
        // removes the package from a copy of the installed root, and APT then runs the hook configuration it kept.
        using var removed = new RemovedInstall();
        Assert.False(File.Exists(Path.Combine(removed.Root, "usr/bin/kata-preflight")));
        Assert.True(File.Exists(Path.Combine(removed.Root, "etc/apt/apt.conf.d/70kata-preflight")));
        Assert.True(File.Exists(Path.Combine(removed.Root, "etc/kata-preflight/apt-hook")));
        using var apt = new AptSandbox(removed.Root).WithInstalledImage("agent-rust-3.2.0-amd64.img");

        ProcessResult result = apt.Install("kata-runtime=1.12.1-1");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error); // no "not found", no warning: nothing at all
        Assert.DoesNotContain("kata-preflight", result.Out);
        Assert.True(apt.Unpacked("usr/bin/containerd-shim-kata-v2"));
    }
}

/// <summary>A copy of the dpkg-installed root from which real dpkg removed (not purged) kata-preflight.</summary>
internal sealed class RemovedInstall : IDisposable
{
    public RemovedInstall()
    {
        Root = Directory.CreateTempSubdirectory("dpkg-removed-").FullName;
        ProcessResult copy = Installed.Run([Installed.FindTool("cp"), "-a", Installed.DebRoot + "/.", Root], null, [("PATH", "/usr/bin:/bin")]);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        ProcessResult remove = Installed.Run(
            [Installed.FindTool("dpkg"), $"--root={Root}", "--force-not-root", "--force-depends", "--log=/dev/null", "--remove", "kata-preflight"],
            null, [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")]);
        Assert.True(remove.ExitCode == 0, remove.ToString());
    }

    public string Root { get; }

    public void Dispose() => Directory.Delete(Root, recursive: true);
}

/// <summary>
/// A private APT + dpkg world in a temp directory. The installed hook configuration and script are used as shipped
/// except for the rewrites a test cannot avoid: absolute paths (/etc/kata-preflight/apt-hook, /usr/bin/kata-preflight,
/// which are not installed on the test machine) point into the dpkg-installed root, and `--root` names the fake host.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class AptSandbox : IDisposable
{
    private const string HookCommand = "/usr/bin/kata-preflight hook apt";
    private const string HookScript = "/etc/kata-preflight/apt-hook";
    private readonly string _dir;
    private readonly string _host;

    /// <param name="installedRoot">Where kata-preflight's package is installed (or was, before removal).</param>
    public AptSandbox(string? installedRoot = null)
    {
        installedRoot ??= Installed.DebRoot;
        _dir = Directory.CreateTempSubdirectory("apt-sandbox-").FullName;
        _host = Sub("host");
        string repo = Sub("repo");
        foreach (string deb in Directory.GetFiles(TestData.Generated("packages", "hook"), "*.deb")
                     .Append(Installed.Dir("unrelated", "hello-probe_1.0-1_all.deb")))
        {
            File.Copy(deb, Path.Combine(repo, Path.GetFileName(deb)));
        }
        // -m: keep every version of a package (the repository offers kata-runtime 1.12.1-1 and 3.5.0-1).
        ProcessResult scan = Tool(["dpkg-scanpackages", "-m", ".", "/dev/null"], repo);
        Assert.True(scan.ExitCode == 0, scan.ToString());
        File.WriteAllText(Path.Combine(repo, "Packages"), scan.Out);

        string admin = Sub("dpkg");
        Sub("dpkg/info");
        Sub("dpkg/updates");
        File.WriteAllText(Path.Combine(admin, "status"), "");
        string empty = Sub("empty");
        File.WriteAllText(Path.Combine(_dir, "sources.list"), $"deb [trusted=yes] file:{repo} ./\n");
        Sub("state/lists/partial");
        Sub("cache/archives/partial");
        Sub("log");
        Sub("root");
        File.WriteAllText(Path.Combine(_dir, "apt.conf"), $"""
            Dir::Etc::SourceList "{_dir}/sources.list";
            Dir::Etc::SourceParts "{empty}";
            Dir::Etc::Parts "{_dir}/apt.conf.d";
            Dir::Etc::Preferences "{empty}/preferences";
            Dir::Etc::PreferencesParts "{empty}";
            Dir::State "{_dir}/state";
            Dir::State::status "{admin}/status";
            Dir::Cache "{_dir}/cache";
            Dir::Log "{_dir}/log";
            Debug::NoLocking "true";
            APT::Sandbox::User "root";
            DPkg::Options:: "--root={_dir}/root";
            DPkg::Options:: "--admindir={admin}";
            DPkg::Options:: "--force-not-root";
            DPkg::Options:: "--log={_dir}/log/dpkg.log";
            """);

        string shippedConfig = File.ReadAllText(Path.Combine(installedRoot, "etc/apt/apt.conf.d/70kata-preflight"));
        Assert.Contains($"{{\"{HookScript}\";}}", shippedConfig);
        // Under the sandbox at the shipped path, so APT's error line ends the way an admin would read it.
        string script = Path.Combine(Sub("etc/kata-preflight"), "apt-hook");
        File.WriteAllText(Path.Combine(Sub("apt.conf.d"), "70kata-preflight"), shippedConfig.Replace(HookScript, script, StringComparison.Ordinal));
        string shippedScript = File.ReadAllText(Path.Combine(installedRoot, HookScript.TrimStart('/')));
        Assert.Contains(HookCommand + " ", shippedScript);
        string binary = Path.Combine(installedRoot, "usr/bin/kata-preflight");
        File.WriteAllText(script, shippedScript
            .Replace(HookCommand, $"{HookCommand} --root {_host}", StringComparison.Ordinal)
            .Replace("/usr/bin/kata-preflight", binary, StringComparison.Ordinal));
        File.SetUnixFileMode(script, File.GetUnixFileMode(Path.Combine(installedRoot, HookScript.TrimStart('/'))));

        ProcessResult update = Apt("update");
        Assert.True(update.ExitCode == 0, update.ToString());
    }

    /// <summary>The host's Kata configuration names the distro image path, and that image is installed.</summary>
    public AptSandbox WithInstalledImage(string image)
    {
        string config = Path.Combine(_host, "etc/kata-containers/configuration.toml");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        File.WriteAllText(config, "[hypervisor.qemu]\nimage = \"/usr/share/kata-containers/kata-containers.img\"\n");
        string installed = Path.Combine(_host, "usr/share/kata-containers/kata-containers.img");
        Directory.CreateDirectory(Path.GetDirectoryName(installed)!);
        File.Copy(TestData.Generated("packages", "hook", "images", image), installed);
        return this;
    }

    /// <summary>The host's /etc/kata-preflight/policy.toml.</summary>
    public AptSandbox WithPolicy(string toml)
    {
        Directory.CreateDirectory(Path.Combine(_host, "etc/kata-preflight"));
        File.WriteAllText(Path.Combine(_host, "etc/kata-preflight/policy.toml"), toml);
        return this;
    }

    public ProcessResult Install(params string[] packages) => Install(packages, []);

    public ProcessResult Install(string[] packages, params (string Name, string Value)[] environment) =>
        Tool(["apt-get", "install", "-y", .. packages], _dir, environment);

    public bool Unpacked(string path) => File.Exists(Path.Combine(_dir, "root", path));

    public string DpkgStatus() => File.ReadAllText(Path.Combine(_dir, "dpkg/status"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ProcessResult Apt(params string[] arguments) =>
        Tool(["apt-get", .. arguments], _dir);

    private ProcessResult Tool(string[] command, string workingDirectory, params (string Name, string Value)[] environment) =>
        Installed.Run([Installed.FindTool(command[0]), .. command.Skip(1)], null,
            [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("APT_CONFIG", Path.Combine(_dir, "apt.conf")), ("DEBIAN_FRONTEND", "noninteractive"), .. environment],
            workingDirectory);

    private string Sub(string relative) => Directory.CreateDirectory(Path.Combine(_dir, relative)).FullName;
}
