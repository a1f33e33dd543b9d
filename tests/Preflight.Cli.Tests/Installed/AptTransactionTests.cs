using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// Real apt-get transactions with the installed package's own APT hook (/etc/apt/apt.conf.d/70kata-preflight from
/// the .deb that dpkg installed): APT speaks hook protocol version 3 to the installed binary before dpkg runs, and
/// either stops (nothing unpacked) or lets dpkg unpack the packages. Everything lives in a private sandbox: its own
/// file: repository of fake Kata packages holding real runtimes and images (testdata/packages/make.sh), its own
/// APT state, a dpkg database and root of its own, and a fake host root for the hook's --root.
/// </summary>
public sealed class AptTransactionTests(ITestOutputHelper output)
{
    [Fact]
    public void An_incompatible_runtime_upgrade_is_stopped_before_dpkg_unpacks_anything()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img").Enforcing();

        ProcessResult result = apt.Install("kata-runtime=1.12.1-1");
        output.WriteLine(result.ToString());

        Assert.Equal(100, result.ExitCode); // apt-get's own "an error occurred"
        Assert.Contains("TRANSPORT_MISMATCH", result.Error);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("returned an error code (1)", result.Error);
        Assert.False(apt.Unpacked("usr/bin/containerd-shim-kata-v2"), "dpkg ran although the hook failed");
        Assert.DoesNotContain("kata-runtime", apt.DpkgStatus());
    }

    [Fact]
    public void A_matching_runtime_and_image_pass_and_dpkg_unpacks_them()
    {
        using var apt = new AptSandbox().Enforcing();

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
    public void A_block_without_enforcement_is_reported_loudly_and_the_upgrade_goes_on()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img");

        ProcessResult result = apt.Install("kata-runtime=1.12.1-1");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("/etc/kata-preflight/enforce", result.Error);
        Assert.True(apt.Unpacked("usr/bin/containerd-shim-kata-v2"));
    }

    [Fact]
    public void A_transaction_without_Kata_packages_is_not_even_looked_at()
    {
        using var apt = new AptSandbox().WithInstalledImage("agent-rust-3.2.0-amd64.img").Enforcing();

        ProcessResult result = apt.Install("hello-probe");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error); // the hook printed nothing (APT shows a hook's stderr)
        Assert.DoesNotContain("kata-preflight:", result.Out);
        Assert.True(apt.Unpacked("usr/share/doc/hello-probe/README"));
    }
}

/// <summary>
/// A private APT + dpkg world in a temp directory. The installed hook configuration is used as shipped except for
/// two rewrites a test cannot avoid: the binary's absolute path (/usr/bin/kata-preflight, which is not installed on
/// the test machine) points into the dpkg-installed root, and `--root` names the fake host.
/// </summary>
internal sealed class AptSandbox : IDisposable
{
    private const string HookCommand = "/usr/bin/kata-preflight hook apt";
    private readonly string _dir;
    private readonly string _host;

    public AptSandbox()
    {
        _dir = Directory.CreateTempSubdirectory("kata-preflight-apt-").FullName;
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

        string shipped = File.ReadAllText(Path.Combine(Installed.DebRoot, "etc/apt/apt.conf.d/70kata-preflight"));
        Assert.Contains(HookCommand + ";", shipped);
        string binary = Path.Combine(Installed.DebRoot, "usr/bin/kata-preflight");
        string hook = shipped
            .Replace(HookCommand + ";", $"{HookCommand} --root {_host};", StringComparison.Ordinal)
            .Replace("/usr/bin/kata-preflight", binary, StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(Sub("apt.conf.d"), "70kata-preflight"), hook);

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

    /// <summary>The admin's opt-in, as documented: the file /etc/kata-preflight/enforce on the host.</summary>
    public AptSandbox Enforcing()
    {
        Directory.CreateDirectory(Path.Combine(_host, "etc/kata-preflight"));
        File.WriteAllText(Path.Combine(_host, "etc/kata-preflight/enforce"), "");
        return this;
    }

    public ProcessResult Install(params string[] packages) => Apt(["install", "-y", .. packages]);

    public bool Unpacked(string path) => File.Exists(Path.Combine(_dir, "root", path));

    public string DpkgStatus() => File.ReadAllText(Path.Combine(_dir, "dpkg/status"));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ProcessResult Apt(params string[] arguments) =>
        Tool(["apt-get", .. arguments], _dir);

    private ProcessResult Tool(string[] command, string workingDirectory) =>
        Installed.Run([Installed.FindTool(command[0]), .. command.Skip(1)], null,
            [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("APT_CONFIG", Path.Combine(_dir, "apt.conf")), ("DEBIAN_FRONTEND", "noninteractive")],
            workingDirectory);

    private string Sub(string relative) => Directory.CreateDirectory(Path.Combine(_dir, relative)).FullName;
}
