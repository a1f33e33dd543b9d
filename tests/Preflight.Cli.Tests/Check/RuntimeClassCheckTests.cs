using System.Text.Json;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// `check` on a kata-deploy host whose containerd runtime classes run wrapper scripts: each class's configuration
/// must be paired with the shim that class really runs, not with "the" runtime of the install.
/// </summary>
public class RuntimeClassCheckTests
{
    private const string Defaults = "/opt/kata/share/defaults/kata-containers";
    private const string QemuConfig = Defaults + "/configuration-qemu.toml";
    private const string ClhConfig = Defaults + "/configuration-clh.toml";
    private const string NewShim = "/opt/kata-2.5/bin/containerd-shim-kata-v2";

    /// <summary>
    /// The demo host (2.2 runtime in /opt/kata/bin, a 2.2 disk image for qemu, a 2.0 initrd for clh) plus containerd
    /// with runtime classes kata-qemu and kata-clh, each a wrapper script on PATH: kata-qemu runs the 2.2 shim with
    /// the qemu configuration, kata-clh a 2.5 shim installed elsewhere with the clh configuration.
    /// </summary>
    private static string KataDeployHostWithWrappers()
    {
        string host = Cli.CopyOfDemoHost();
        Write(host, "/etc/containerd/config.toml",
            "version = 2\n" +
            "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\nruntime_type = \"io.containerd.runc.v2\"\n" +
            "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-qemu]\nruntime_type = \"io.containerd.kata-qemu.v2\"\n" +
            "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata-clh]\nruntime_type = \"io.containerd.kata-clh.v2\"\n");
        Write(host, "/usr/local/bin/containerd-shim-kata-qemu-v2",
            $"#!/bin/bash\nKATA_CONF_FILE={QemuConfig} /opt/kata/bin/containerd-shim-kata-v2 \"$@\"\n");
        Write(host, "/usr/local/bin/containerd-shim-kata-clh-v2",
            $"#!/bin/sh\nexec env KATA_CONF_FILE={ClhConfig} {NewShim} \"$@\"\n");
        string newShim = Path.Join(host, NewShim.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(newShim)!);
        File.Copy(TestData.Generated("binaries", "runtime-gogo-ttrpc-2.5.0-amd64"), newShim);
        return host;
    }

    private static void Write(string host, string hostPath, string text)
    {
        string real = Path.Join(host, hostPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, text);
    }

    [Fact]
    public void EachRuntimeClassIsPairedWithTheShimItRuns()
    {
        string host = KataDeployHostWithWrappers();

        CliResult result = Cli.Run("check", "--root", host, "--format", "json");

        Assert.Equal("", result.Error);
        using var json = JsonDocument.Parse(result.Out);
        var checks = json.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(2, checks.Count);

        JsonElement qemu = checks.Single(c => c.GetProperty("runtimeClass").GetProperty("name").GetString() == "kata-qemu");
        Assert.Equal(QemuConfig, qemu.GetProperty("config").GetProperty("path").GetString());
        Assert.Equal("/opt/kata/bin/containerd-shim-kata-v2", qemu.GetProperty("runtime").GetProperty("path").GetString());
        Assert.Equal("2.2.0", qemu.GetProperty("runtime").GetProperty("version").GetString());
        JsonElement qemuClass = qemu.GetProperty("runtimeClass");
        Assert.Equal("io.containerd.kata-qemu.v2", qemuClass.GetProperty("runtimeType").GetString());
        Assert.Equal("/usr/local/bin/containerd-shim-kata-qemu-v2", qemuClass.GetProperty("shim").GetString());
        Assert.Contains("KATA_CONF_FILE in wrapper", qemuClass.GetProperty("configFoundBy").GetString());

        // The clh class runs the 2.5 shim: the old behaviour would have paired its initrd with /opt/kata's 2.2 shim.
        JsonElement clh = checks.Single(c => c.GetProperty("runtimeClass").GetProperty("name").GetString() == "kata-clh");
        Assert.Equal(ClhConfig, clh.GetProperty("config").GetProperty("path").GetString());
        Assert.Equal(NewShim, clh.GetProperty("runtime").GetProperty("path").GetString());
        Assert.Equal("2.5.0", clh.GetProperty("runtime").GetProperty("version").GetString());
        Assert.True(clh.GetProperty("compared").GetBoolean());
        Assert.Equal("/usr/local/bin/containerd-shim-kata-clh-v2", clh.GetProperty("runtimeClass").GetProperty("shim").GetString());
        Assert.All(json.RootElement.GetProperty("findings").EnumerateArray(),
            f => Assert.NotEqual(JsonValueKind.Undefined, f.GetProperty("runtimeClass").ValueKind));

        CliResult text = Cli.Run("check", "--root", host);
        Assert.Contains($"{ClhConfig}  (runtime class 'kata-clh': KATA_CONF_FILE in wrapper /usr/local/bin/containerd-shim-kata-clh-v2)", text.Out);
        Assert.Contains("  runtime class kata-clh (io.containerd.kata-clh.v2, /etc/containerd/config.toml)", text.Out);
        Assert.Contains("    shim    /usr/local/bin/containerd-shim-kata-clh-v2 (containerd-shim-kata-clh-v2 on containerd's PATH; " +
            $"wrapper script /usr/local/bin/containerd-shim-kata-clh-v2 runs {NewShim})", text.Out);
        Assert.Contains($"runtime {NewShim} (2.5.0, ttrpc)", text.Out);
    }

    [Fact]
    public void ARuntimeClassWhoseShimIsMissingSaysWhatContainerdLooksFor()
    {
        string host = KataDeployHostWithWrappers();
        File.Delete(Path.Join(host, "usr/local/bin/containerd-shim-kata-clh-v2"));

        CliResult result = Cli.Run("check", "--root", host, "--quiet");

        Assert.Contains("RUNTIME_NOT_FOUND", result.Out);
        Assert.Contains("runtime class kata-clh: containerd cannot start this class's runtime: containerd-shim-kata-clh-v2 " +
            "(for runtime_type io.containerd.kata-clh.v2) not found on containerd's PATH", result.Out);
    }
}
