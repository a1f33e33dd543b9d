using Preflight.Cli;

namespace Preflight.Cli.Tests.Hook;

/// <summary>
/// What the APT hook tests share: APT's real hook input (testdata/packages/apt-hook-v3.txt, captured from a real
/// apt-get run) with its .deb paths pointed at fixture packages, fake hosts, and a way to run the command.
/// </summary>
internal static class HookFixtures
{
    /// <summary>The captured transaction's Kata line: kata-runtime 3.1.0-1 -> 3.2.0-1, unpacked from this .deb.</summary>
    private const string CapturedKataRuntimeLine =
        "kata-runtime 3.1.0-1 all none < 3.2.0-1 all none /tmp/kata-apt-capture.ocpHsi/repo/./kata-runtime_3.2.0-1_all.deb";

    public static string HookPackage(string name) => TestData.Generated("packages", "hook", name);

    public static string HookImage(string name) => TestData.Generated("packages", "hook", "images", name);

    /// <summary>
    /// The capture, with its kata-runtime .deb replaced by <paramref name="runtimeDeb"/> (or the Kata lines dropped
    /// when null) and, when given, an image package unpacked in the same transaction (a line of the same shape).
    /// The capture's own kata-shim removal and the unrelated hello-probe (whose .deb does not exist here) stay in.
    /// </summary>
    public static string AptInput(string? runtimeDeb, string? imageDeb = null)
    {
        string capture = File.ReadAllText(TestData.Path("packages", "apt-hook-v3.txt"));
        Assert.Contains(CapturedKataRuntimeLine, capture);
        var lines = capture.Split('\n').ToList();
        if (runtimeDeb is null)
        {
            lines.RemoveAll(line => line.StartsWith("kata-", StringComparison.Ordinal));
        }
        else
        {
            int at = lines.IndexOf(CapturedKataRuntimeLine);
            lines[at] = CapturedKataRuntimeLine.Replace("/tmp/kata-apt-capture.ocpHsi/repo/./kata-runtime_3.2.0-1_all.deb", runtimeDeb, StringComparison.Ordinal);
        }
        if (imageDeb is not null)
        {
            int configure = lines.FindIndex(line => line.EndsWith("**CONFIGURE**", StringComparison.Ordinal));
            lines.Insert(configure, $"kata-containers-image 3.1.0-1 amd64 none < 3.2.0-1 amd64 none {imageDeb}");
            lines.Add("kata-containers-image 3.1.0-1 amd64 none < 3.2.0-1 amd64 none **CONFIGURE**");
        }
        return string.Join('\n', lines);
    }

    /// <summary>Runs `kata-preflight hook apt ARGS` through App.Run, as APT would: exit code, stdout, stderr.</summary>
    public static (int Exit, string Out, string Err) Run(string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit = App.Run(["hook", "apt", .. args], stdout, stderr, new StringReader(stdin));
        return (exit, stdout.ToString(), stderr.ToString());
    }
}

/// <summary>
/// A fake host root in a temp directory: optionally a Kata configuration with its guest image installed, an
/// installed runtime, the enforce switch. Deleted on dispose.
/// </summary>
internal sealed class FakeHost : IDisposable
{
    public FakeHost()
    {
        Root = Directory.CreateTempSubdirectory("kata-preflight-hook-host-").FullName;
    }

    public string Root { get; }

    /// <summary>/etc/kata-containers/configuration.toml naming the distro image path, with <paramref name="image"/> installed there.</summary>
    public FakeHost WithInstalledImage(string image)
    {
        Write("/etc/kata-containers/configuration.toml",
            "[hypervisor.qemu]\nimage = \"/usr/share/kata-containers/kata-containers.img\"\n");
        Copy(image, "/usr/share/kata-containers/kata-containers.img");
        return this;
    }

    public FakeHost WithInstalledRuntime(string runtime)
    {
        Copy(runtime, "/usr/bin/containerd-shim-kata-v2");
        return this;
    }

    /// <summary>The admin's opt-out, as documented: <c>[hooks] enforce = false</c> in the host's policy file.</summary>
    public FakeHost NotEnforcing()
    {
        Write("/etc/kata-preflight/policy.toml", "[hooks]\nenforce = false\n");
        return this;
    }

    private void Write(string hostPath, string content)
    {
        string real = Real(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, content);
    }

    private void Copy(string source, string hostPath)
    {
        string real = Real(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.Copy(source, real, overwrite: true);
    }

    private string Real(string hostPath) => Path.Combine(Root, hostPath.TrimStart('/'));

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
