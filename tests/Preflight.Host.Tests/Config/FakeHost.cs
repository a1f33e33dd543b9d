namespace Preflight.Host.Tests.Config;

/// <summary>A throw-away directory standing in for a host's "/", for --root style tests.</summary>
internal sealed class FakeHost : IDisposable
{
    public FakeHost()
    {
        Root = Directory.CreateTempSubdirectory("kata-preflight-host-").FullName;
    }

    public string Root { get; }

    public string Real(string hostPath) => Path.Join(Root, hostPath.TrimStart('/'));

    public FakeHost File(string hostPath, string content = "")
    {
        string real = Real(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        System.IO.File.WriteAllText(real, content);
        return this;
    }

    /// <summary>A symbolic link at hostPath whose stored target is exactly `target` (absolute targets are host paths).</summary>
    public FakeHost Link(string hostPath, string target)
    {
        string real = Real(hostPath);
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        System.IO.File.CreateSymbolicLink(real, target);
        return this;
    }

    public static string Hypervisor(string name, string? image = null, string? initrd = null) =>
        $"[hypervisor.{name}]\npath = \"/usr/bin/qemu-system-x86_64\"\nkernel = \"/usr/share/kata-containers/vmlinux.container\"\n" +
        (image is null ? "" : $"image = \"{image}\"\n") + (initrd is null ? "" : $"initrd = \"{initrd}\"\n") +
        "\n[runtime]\nenable_debug = false\n";

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
