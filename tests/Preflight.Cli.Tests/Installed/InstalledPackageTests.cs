using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;
using System.Runtime.Versioning;
using System.Text.Json;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// kata-preflight's own .deb and .rpm, built by packaging/build.sh and installed by dpkg into a throw-away root;
/// the installed binary runs in a chroot that holds a Kata host and no .NET at all.
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class InstalledPackageTests(ITestOutputHelper output)
{
    private static readonly string[] InstalledFiles =
    [
        "/usr/bin/kata-preflight",
        "/usr/share/man/man1/kata-preflight.1.gz",
        "/usr/share/bash-completion/completions/kata-preflight",
        "/usr/share/fish/vendor_completions.d/kata-preflight.fish",
        "/etc/kata-preflight/policy.toml",
        "/etc/apt/apt.conf.d/70kata-preflight",
        "/etc/kata-preflight/apt-hook",
        "/usr/share/kata-preflight/hooks/kata-preflight-postinst.snippet",
        "/usr/share/kata-preflight/hooks/kata-preflight-posttrans.snippet",
        "/usr/share/kata-preflight/check-report.schema.json",
    ];

    [Fact]
    public void Dpkg_installs_the_deb_and_records_its_files_and_conffiles()
    {
        string status = File.ReadAllText(Path.Combine(Installed.DebRoot, "var/lib/dpkg/status"));
        Assert.Contains("Package: kata-preflight\nStatus: install ok installed\n", status);

        var listed = File.ReadAllLines(Path.Combine(Installed.DebRoot, "var/lib/dpkg/info/kata-preflight.list"));
        foreach (string file in InstalledFiles)
        {
            Assert.Contains(file, listed);
            Assert.True(File.Exists(Path.Combine(Installed.DebRoot, file.TrimStart('/'))), file);
        }
        Assert.Equal(
            ["/etc/apt/apt.conf.d/70kata-preflight", "/etc/kata-preflight/apt-hook", "/etc/kata-preflight/policy.toml"],
            File.ReadAllLines(Path.Combine(Installed.DebRoot, "var/lib/dpkg/info/kata-preflight.conffiles")).Order());
        var mode = File.GetUnixFileMode(Path.Combine(Installed.DebRoot, "usr/bin/kata-preflight"));
        Assert.True(mode.HasFlag(UnixFileMode.OtherExecute), mode.ToString());
    }

    [Fact]
    public void Packaging_built_a_NativeAOT_binary_not_the_single_file_fallback()
    {
        // build.sh falls back to a single-file .NET bundle when NativeAOT cannot link; that one starts far slower.
        string log = File.ReadAllText(Installed.Dir("build.log"));
        Assert.StartsWith("build.sh: kata-preflight ", log);
        Assert.Contains(", NativeAOT, ", log.Split('\n')[0]);
    }

    [Fact]
    public void Both_packages_declare_the_OpenSSL_that_dotnet_crypto_loads_at_run_time()
    {
        // No ELF reader sees a dlopen'ed library: without the declaration a minimal host crashes at the first hash.
        string depends = File.ReadAllLines(Installed.Dir("deb-fields.txt")).Single(line => line.StartsWith("Depends: ", StringComparison.Ordinal));
        Assert.Contains("libc6 (>= 2.", depends);
        Assert.Contains("libssl3", depends);
        string requires = File.ReadAllText(Installed.Dir("rpm-requires.txt"));
        Assert.Contains("libssl.so.3()(64bit)", requires);
        Assert.Contains("libc.so.6(GLIBC_", requires); // found by rpmbuild itself
    }

    [Fact]
    public void The_rpm_carries_the_same_files_as_the_deb_except_the_APT_hook_and_its_script()
    {
        foreach (string file in InstalledFiles.Where(f => !f.StartsWith("/etc/apt/", StringComparison.Ordinal) && !f.EndsWith("/apt-hook", StringComparison.Ordinal)))
        {
            string fromRpm = Path.Combine(Installed.RpmRoot, file.TrimStart('/'));
            string fromDeb = Path.Combine(Installed.DebRoot, file.TrimStart('/'));
            Assert.True(File.Exists(fromRpm), file);
            Assert.Equal(Sha256(fromDeb), Sha256(fromRpm));
        }
        Assert.False(Directory.Exists(Path.Combine(Installed.RpmRoot, "etc/apt")));
        Assert.False(File.Exists(Path.Combine(Installed.RpmRoot, "etc/kata-preflight/apt-hook")));
    }

    [Fact]
    public void The_chroot_holds_no_dotnet_so_whatever_runs_there_runs_without_it()
    {
        string[] dotnetFiles = ["dotnet", "libcoreclr.so", "libhostfxr.so", "libhostpolicy.so", "System.Private.CoreLib.dll"];
        var found = Directory.EnumerateFiles(Installed.Chroot, "*", SearchOption.AllDirectories)
            .Where(path => dotnetFiles.Contains(Path.GetFileName(path)))
            .ToList();
        Assert.Empty(found);
        Assert.False(Directory.Exists(Path.Combine(Installed.Chroot, "usr/share/dotnet")));
        Assert.False(Directory.Exists(Path.Combine(Installed.Chroot, "usr/lib/dotnet")));
    }

    [Fact]
    public void Installed_binary_prints_the_version_it_was_built_as()
    {
        ProcessResult result = Installed.InChroot(["/usr/bin/kata-preflight", "--version"]);
        output.WriteLine(result.ToString());

        Assert.Equal(0, result.ExitCode);
        // The package is built from this checkout, so it names the same version and commit as the test assembly's.
        Assert.Equal(VersionText.For(typeof(App).Assembly) + "\n", result.Out);
        Assert.Contains(" (commit ", result.Out);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public void Installed_binary_checks_the_Kata_host_it_is_installed_on()
    {
        ProcessResult text = Installed.InChroot(["/usr/bin/kata-preflight", "check"]);
        output.WriteLine(text.ToString());
        Assert.Equal(ExitCodes.Block, text.ExitCode);
        Assert.Contains("FIELD_MESSAGE_BYTES_CHANGED", text.Out);
        Assert.Contains("verdict: BLOCK", text.Out);
        Assert.Equal("", text.Error);

        ProcessResult json = Installed.InChroot(["/usr/bin/kata-preflight", "check", "--format", "json"]);
        Assert.Equal(ExitCodes.Block, json.ExitCode);
        using var report = JsonDocument.Parse(json.Out);
        Assert.Equal("block", report.RootElement.GetProperty("verdict").GetString());
        Assert.Equal(2, report.RootElement.GetProperty("checks").GetArrayLength());
    }

    [Fact]
    public void Installed_binary_checks_a_package_before_it_is_installed()
    {
        // A 1.x runtime package (gRPC) against the host's 2.x images (ttrpc): `check --package` pairs the runtime
        // inside the .deb with the installed images, unpacking into the root's /tmp. The chroot has no liblzma, so
        // this .deb's data.tar.xz goes through the managed decoder, the fallback a host without liblzma gets.
        Assert.Empty(Directory.EnumerateFiles(Installed.Chroot, "liblzma.so*", SearchOption.AllDirectories));
        string name = $"kata-runtime-{Guid.NewGuid():N}.deb";
        string inChroot = Path.Combine(Installed.Chroot, "tmp", name);
        File.Copy(TestData.Generated("packages", "hook", "kata-runtime_1.12.1-1_amd64.deb"), inChroot);
        try
        {
            ProcessResult result = Installed.InChroot(["/usr/bin/kata-preflight", "check", "--package", "/tmp/" + name]);
            output.WriteLine(result.ToString());

            Assert.Equal(ExitCodes.Block, result.ExitCode);
            Assert.Contains("TRANSPORT_MISMATCH", result.Out);
            Assert.Contains($"kata-preflight: runtime: /usr/bin/containerd-shim-kata-v2 from kata-runtime 1.12.1-1 ({name})", result.Error);
        }
        finally
        {
            File.Delete(inChroot);
        }
        // Its scratch directory (/tmp/kata-preflight-*) is gone again.
        Assert.Empty(Directory.GetDirectories(Path.Combine(Installed.Chroot, "tmp"), "kata-preflight-*"));
    }

    [Fact]
    public void Installed_binary_reads_the_installed_default_policy()
    {
        // The shipped policy.toml sits at /etc/kata-preflight/policy.toml in the chroot: a broken one would be a
        // usage error (exit 2) naming that file on every check of every host.
        ProcessResult result = Installed.InChroot(["/usr/bin/kata-preflight", "check", "--quiet", "--ignore", "FIELD_MESSAGE_BYTES_CHANGED"]);
        output.WriteLine(result.ToString());
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
    }

    [Fact]
    public void Installed_binary_gives_one_line_and_exit_3_when_there_is_nothing_to_inspect()
    {
        ProcessResult result = Installed.InChroot(["/usr/bin/kata-preflight", "check", "--root", "/tmp"]);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.StartsWith("kata-preflight: ", result.Error);
    }

    [Fact]
    public void Installed_man_page_and_bash_completion_are_usable()
    {
        using (var gzip = new GZipStream(File.OpenRead(Path.Combine(Installed.DebRoot, "usr/share/man/man1/kata-preflight.1.gz")), CompressionMode.Decompress))
        using (var reader = new StreamReader(gzip))
        {
            string page = reader.ReadToEnd();
            Assert.Contains(".TH KATA-PREFLIGHT 1", page);
            Assert.Contains("hook apt", page);
        }

        string completion = Path.Combine(Installed.DebRoot, "usr/share/bash-completion/completions/kata-preflight");
        ProcessResult bash = Installed.Run(
            [Installed.FindTool("bash"), "-c", $"source '{completion}' && complete -p kata-preflight"], null, [("PATH", "/usr/bin:/bin")]);
        Assert.Equal(0, bash.ExitCode);
        Assert.StartsWith("complete ", bash.Out);
        Assert.EndsWith(" kata-preflight\n", bash.Out);
    }

    private static string Sha256(string path) => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
}
