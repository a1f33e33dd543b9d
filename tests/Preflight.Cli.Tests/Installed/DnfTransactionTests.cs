using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// Real dnf transactions (Debian's dnf 4) with our own dnf plugin as the .rpm ships it (kata_preflight.py and
/// /etc/dnf/plugins/kata_preflight.conf from python3-dnf-plugin-kata-preflight's payload, and the binary from
/// kata-preflight's): dnf resolves and downloads, the plugin
/// runs the installed binary before rpm installs anything, and either dnf stops with an error (nothing installed)
/// or rpm installs the packages. Everything lives in a private sandbox: dnf's --installroot (with its own rpm
/// database, which is also the host the plugin passes as --root), a local repository of fake Kata RPMs holding real
/// runtimes and images (testdata/rpm-packages/make.sh, createrepo_c), and dnf's configuration; no network.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DnfTransactionTests(ITestOutputHelper output)
{
    private const string OldPair = "kata-containers-image-1.12.1-1.x86_64|kata-runtime-1.12.1-1.x86_64";

    [Fact]
    public void A_compatible_runtime_and_image_pass_and_rpm_installs_them()
    {
        using var dnf = new DnfSandbox().WithKataConfiguration();

        ProcessResult result = dnf.Install("kata-runtime-1.12.1", "kata-containers-image-1.12.1");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 1.12.1-1 (kata-runtime-1.12.1-1.x86_64.rpm)", result.Error);
        Assert.Contains("verdict: PASS", result.Error);
        Assert.DoesNotContain("BLOCK", result.Error + result.Out);
        Assert.DoesNotContain("kata-preflight: warning", result.Error);
        Assert.DoesNotContain(" WARN ", result.Error);
        Assert.Equal(OldPair, dnf.InstalledPackages());
        Assert.True(dnf.HasFile("usr/bin/containerd-shim-kata-v2"));
    }

    [Fact]
    public void An_incompatible_runtime_upgrade_is_stopped_by_default_before_rpm_installs_anything()
    {
        using var dnf = new DnfSandbox().WithKataConfiguration().WithOldKata();
        string shimBefore = dnf.Sha256("usr/bin/containerd-shim-kata-v2");

        ProcessResult result = dnf.Upgrade("kata-runtime");
        output.WriteLine(result.ToString());

        Assert.Equal(1, result.ExitCode); // dnf's own "an error occurred"
        Assert.Contains("TRANSPORT_MISMATCH", result.Error);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is on (the default): stopping this transaction before rpm installs anything", result.Error);
        Assert.Contains("Error: kata-preflight stopped this transaction before rpm installed anything", result.Error);
        // The runtime is named by its package and version, not by a scratch copy that is gone by now.
        Assert.Contains("runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 3.5.0-1 (kata-runtime-3.5.0-1.x86_64.rpm)", result.Error);
        Assert.DoesNotContain("/tmp/kata-preflight-", result.Error);
        Assert.Equal(OldPair, dnf.InstalledPackages()); // rpm's database: nothing new
        Assert.Equal(shimBefore, dnf.Sha256("usr/bin/containerd-shim-kata-v2")); // and not a file touched
    }

    [Fact]
    public void KATA_PREFLIGHT_ENFORCE_0_lets_one_run_through_with_a_loud_warning()
    {
        using var dnf = new DnfSandbox().WithKataConfiguration().WithOldKata();

        ProcessResult result = dnf.Upgrade(["kata-runtime"], ("KATA_PREFLIGHT_ENFORCE", "0"));
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is off (KATA_PREFLIGHT_ENFORCE=0 for this run): continuing anyway", result.Error);
        Assert.Contains("kata-runtime-3.5.0-1.x86_64", dnf.InstalledPackages());
    }

    [Fact]
    public void The_policy_can_turn_enforcement_off_and_the_variable_beats_it_for_one_run()
    {
        using var dnf = new DnfSandbox().WithKataConfiguration().WithOldKata().WithPolicy("[hooks]\nenforce = false\n");

        ProcessResult forced = dnf.Upgrade(["kata-runtime"], ("KATA_PREFLIGHT_ENFORCE", "1"));
        output.WriteLine(forced.ToString());
        Assert.Equal(1, forced.ExitCode);
        Assert.Contains("enforcement is on (KATA_PREFLIGHT_ENFORCE=1 for this run)", forced.Error);
        Assert.Equal(OldPair, dnf.InstalledPackages());

        ProcessResult result = dnf.Upgrade("kata-runtime");
        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("kata-preflight: BLOCK", result.Error);
        Assert.Contains("enforcement is off ([hooks] enforce = false in /etc/kata-preflight/policy.toml)", result.Error);
        Assert.Contains("kata-runtime-3.5.0-1.x86_64", dnf.InstalledPackages());
    }

    [Fact]
    public void A_transaction_without_Kata_packages_is_not_even_looked_at()
    {
        using var dnf = new DnfSandbox().WithKataConfiguration().WithOldKata();

        ProcessResult result = dnf.Install("hello-probe");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("kata-preflight", result.Error + result.Out);
        Assert.Contains("hello-probe-1.0-1.noarch", dnf.InstalledPackages());
    }

    [Fact]
    public void Without_the_binary_the_plugin_is_silent()
    {
        // rpm -e --nodeps kata-preflight: the plugin stays and finds no binary.
        using var dnf = new DnfSandbox(binary: "/nonexistent/usr/bin/kata-preflight").WithKataConfiguration().WithOldKata();

        ProcessResult result = dnf.Upgrade("kata-runtime");
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain("kata-preflight", result.Error + result.Out);
        Assert.Contains("kata-runtime-3.5.0-1.x86_64", dnf.InstalledPackages());
    }

    [Fact]
    public void A_crashing_kata_preflight_only_warns_and_the_transaction_goes_on()
    {
        // Exit 4 is kata-preflight's own bug: never a verdict. A stand-in that exits 4 after reading the listing.
        string standIn = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-stand-in-").FullName, "kata-preflight");
        File.WriteAllText(standIn, "#!/bin/sh\ncat > /dev/null\nexit 4\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            using var dnf = new DnfSandbox(binary: standIn).WithKataConfiguration().WithOldKata();

            ProcessResult result = dnf.Upgrade("kata-runtime");
            output.WriteLine(result.ToString());

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("kata-preflight: warning: the dnf plugin could not check this transaction (kata-preflight exit 4); continuing", result.Error);
            Assert.Contains("kata-runtime-3.5.0-1.x86_64", dnf.InstalledPackages());
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(standIn)!, recursive: true);
        }
    }
}

/// <summary>
/// A private dnf world in a temp directory: an --installroot with its own rpm database (the host the plugin checks),
/// a repository of the fake Kata RPMs, and a dnf.conf loading only our plugin. The packaged plugin and its .conf
/// are used as shipped except for the one rewrite a test cannot avoid: the binary's absolute path
/// (/usr/bin/kata-preflight is not installed on the test machine) points into the .rpm's payload.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class DnfSandbox : IDisposable
{
    public const string ShippedPlugin = "usr/lib/python3.9/site-packages/dnf-plugins/kata_preflight.py";
    public const string ShippedConf = "etc/dnf/plugins/kata_preflight.conf";
    private const string BinaryLine = "KATA_PREFLIGHT = \"/usr/bin/kata-preflight\"";
    private readonly string _dir;
    private readonly string _root;

    /// <param name="binary">The kata-preflight the plugin runs: the packaged one unless a test says otherwise.</param>
    public DnfSandbox(string? binary = null)
    {
        binary ??= Path.Combine(Installed.RpmRoot, "usr/bin/kata-preflight");
        _dir = Directory.CreateTempSubdirectory("dnf-sandbox-").FullName;
        _root = Sub("root");

        string shippedPlugin = File.ReadAllText(Path.Combine(Installed.RpmRoot, ShippedPlugin));
        Assert.Contains(BinaryLine, shippedPlugin);
        File.WriteAllText(Path.Combine(Sub("plugins"), "kata_preflight.py"),
            shippedPlugin.Replace(BinaryLine, $"KATA_PREFLIGHT = \"{binary}\"", StringComparison.Ordinal));
        File.Copy(Path.Combine(Installed.RpmRoot, ShippedConf), Path.Combine(Sub("plugins.d"), "kata_preflight.conf"));

        string repository = TestData.Generated("rpm-packages", "repo");
        File.WriteAllText(Path.Combine(Sub("repos.d"), "local.repo"), $"[local]\nname=local\nbaseurl=file://{repository}\ngpgcheck=0\n");
        // Debian's rpm keeps its database under ~/.rpmdb; dnf and rpm here use Fedora's place (HOME is the sandbox).
        File.WriteAllText(Path.Combine(_dir, ".rpmmacros"), "%_dbpath /var/lib/rpm\n");
        File.WriteAllText(Path.Combine(_dir, "dnf.conf"), $"""
            [main]
            plugins=1
            pluginpath={_dir}/plugins
            pluginconfpath={_dir}/plugins.d
            reposdir={_dir}/repos.d
            cachedir={_dir}/cache
            gpgcheck=0
            install_weak_deps=0
            """);
    }

    /// <summary>The installroot's Kata configuration names the distro image path (which the image package fills).</summary>
    public DnfSandbox WithKataConfiguration() =>
        Write("etc/kata-containers/configuration.toml", "[hypervisor.qemu]\nimage = \"/usr/share/kata-containers/kata-containers.img\"\n");

    /// <summary>The installroot's /etc/kata-preflight/policy.toml.</summary>
    public DnfSandbox WithPolicy(string toml) => Write("etc/kata-preflight/policy.toml", toml);

    /// <summary>Kata 1.12.1, runtime and image, installed by dnf (a compatible pair, which the plugin lets through).</summary>
    public DnfSandbox WithOldKata()
    {
        ProcessResult install = Install("kata-runtime-1.12.1", "kata-containers-image-1.12.1");
        Assert.True(install.ExitCode == 0, install.ToString());
        return this;
    }

    public ProcessResult Install(params string[] packages) => Dnf(["install", .. packages], []);

    public ProcessResult Upgrade(params string[] packages) => Dnf(["upgrade", .. packages], []);

    public ProcessResult Upgrade(string[] packages, params (string Name, string Value)[] environment) => Dnf(["upgrade", .. packages], environment);

    /// <summary>What rpm's database in the installroot holds, as NAME-VERSION-RELEASE.ARCH joined by "|", sorted.</summary>
    public string InstalledPackages()
    {
        ProcessResult query = Installed.Run([Installed.FindTool("rpm"), "--root", _root, "-qa", "--qf", "%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n"],
            null, [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("HOME", _dir)]);
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.True(File.Exists(Path.Combine(_root, "var/lib/rpm/rpmdb.sqlite")), "no rpm database in the installroot");
        return string.Join('|', query.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
    }

    public bool HasFile(string path) => File.Exists(Path.Combine(_root, path));

    public string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(Path.Combine(_root, path))));

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private ProcessResult Dnf(string[] arguments, (string Name, string Value)[] environment) =>
        Installed.Run([Installed.FindTool("dnf"), "-y", "--config", Path.Combine(_dir, "dnf.conf"), "--installroot", _root,
                "--releasever", "1", "--disablerepo=*", "--enablerepo=local", "--nogpgcheck", .. arguments],
            null, [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("HOME", _dir), .. environment], _dir);

    private DnfSandbox Write(string path, string content)
    {
        string real = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, content);
        return this;
    }

    private string Sub(string relative) => Directory.CreateDirectory(Path.Combine(_dir, relative)).FullName;
}
