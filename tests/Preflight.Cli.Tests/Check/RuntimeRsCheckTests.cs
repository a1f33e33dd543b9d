using System.Text.Json;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// `check` on a kata-deploy host whose runtime classes run runtime-rs, Kata's Rust shim: containerd's runtime_path
/// names /opt/kata/runtime-rs/bin/containerd-shim-kata-v2 and ConfigPath a configuration under
/// .../kata-containers/runtime-rs/, as kata-deploy writes for its Rust shims (qemu-runtime-rs, dragonball, ...).
/// The shim is make.sh's runtime-rs-3.2.0-amd64 fixture (read as a runtime: version, ttrpc, descriptors).
/// </summary>
public class RuntimeRsCheckTests
{
    private const string RustShim = "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2";
    private const string RustDefaults = "/opt/kata/share/defaults/kata-containers/runtime-rs";
    private const string QemuRsConfig = RustDefaults + "/configuration-qemu-runtime-rs.toml";
    private const string DragonballConfig = RustDefaults + "/configuration-dragonball.toml";
    private const string Image320 = "/opt/kata/share/kata-containers/kata-containers-3.2.0.img";
    private const string Image220 = "/opt/kata/share/kata-containers/kata-containers-2.2.0.img";

    /// <summary>
    /// A fake root: the runtime-rs 3.2.0 shim; class kata-qemu-runtime-rs boots a bare ext4 image holding the 3.2.0
    /// agent (the packages hook fixture), class kata-dragonball the demo host's 2.2.0 disk image (Kata's DAX layout).
    /// </summary>
    private static string RuntimeRsHost()
    {
        string host = Directory.CreateTempSubdirectory("kata-preflight-runtime-rs-").FullName;
        Copy(TestData.Generated("binaries", "runtime-rs-3.2.0-amd64"), host, RustShim);
        Copy(TestData.Generated("packages", "hook", "images", "agent-rust-3.2.0-amd64.img"), host, Image320);
        Copy(Path.Join(Cli.DemoHost, "opt/kata/share/kata-containers/kata-containers-2.2.0.img"), host, Image220);
        Write(host, QemuRsConfig, Hypervisor("qemu", "/opt/kata/bin/qemu-system-x86_64", Image320));
        Write(host, DragonballConfig, Hypervisor("dragonball", "/opt/kata/bin/dragonball", Image220));
        Write(host, "/etc/containerd/config.toml",
            "version = 2\n" +
            RuntimeClass("kata-qemu-runtime-rs", "io.containerd.kata-qemu-runtime-rs.v2", QemuRsConfig) +
            RuntimeClass("kata-dragonball", "io.containerd.kata-dragonball.v2", DragonballConfig));
        return host;
    }

    private static string Hypervisor(string name, string path, string image) =>
        $"[hypervisor.{name}]\npath = \"{path}\"\nkernel = \"/opt/kata/share/kata-containers/vmlinux.container\"\nimage = \"{image}\"\n";

    private static string RuntimeClass(string name, string type, string config)
    {
        string table = $"[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.{name}]";
        return $"{table}\nruntime_type = \"{type}\"\nruntime_path = \"{RustShim}\"\n" +
            $"privileged_without_host_devices = true\npod_annotations = [\"io.katacontainers.*\"]\n" +
            $"{table[..^1]}.options]\nConfigPath = \"{config}\"\n";
    }

    private static void Copy(string source, string host, string hostPath)
    {
        string real = Path.Join(host, hostPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.Copy(source, real);
    }

    private static void Write(string host, string hostPath, string text)
    {
        string real = Path.Join(host, hostPath.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllText(real, text);
    }

    private static JsonElement CheckOf(JsonElement report, string runtimeClass) =>
        report.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("runtimeClass").GetProperty("name").GetString() == runtimeClass);

    [Fact]
    public void RuntimeRsWithTheAgentOfItsReleasePasses()
    {
        string host = RuntimeRsHost();

        CliResult result = Cli.Run("check", "--root", host, "--format", "json");

        Assert.Equal("", result.Error);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement check = CheckOf(json.RootElement, "kata-qemu-runtime-rs");
        Assert.True(check.GetProperty("compared").GetBoolean());
        Assert.Equal("pass", check.GetProperty("verdict").GetString());
        // The fixtures model Kata's protocol (trimmed .proto files), so each side differs from the real 3.2.0 in the
        // catalog: said as info, nothing more.
        Assert.All(check.GetProperty("findings").EnumerateArray(), f =>
        {
            Assert.Equal("info", f.GetProperty("severity").GetString());
            Assert.Equal("PROTOCOL_DIFFERS_FROM_RELEASE", f.GetProperty("rule").GetString());
        });
        Assert.Equal(QemuRsConfig, check.GetProperty("config").GetProperty("path").GetString());

        JsonElement runtimeClass = check.GetProperty("runtimeClass");
        Assert.Equal("io.containerd.kata-qemu-runtime-rs.v2", runtimeClass.GetProperty("runtimeType").GetString());
        Assert.Equal(RustShim, runtimeClass.GetProperty("shim").GetString());
        Assert.Equal("runtime_path", runtimeClass.GetProperty("shimFoundBy").GetString());

        // Both sides read as 3.2.0 from their Rust string constants, with the same commit, transport and wire
        // fingerprint: one release, one protocols crate, client and server.
        JsonElement runtime = check.GetProperty("runtime");
        JsonElement agent = check.GetProperty("agent");
        Assert.Equal(RustShim, runtime.GetProperty("path").GetString());
        Assert.Equal("3.2.0", runtime.GetProperty("version").GetString());
        Assert.Equal("3.2.0", agent.GetProperty("version").GetString());
        Assert.Equal(agent.GetProperty("commit").GetString(), runtime.GetProperty("commit").GetString());
        Assert.Equal("ttrpc", runtime.GetProperty("transport").GetString());
        Assert.Equal(agent.GetProperty("fingerprint").GetString(), runtime.GetProperty("fingerprint").GetString());

        CliResult text = Cli.Run("check", "--root", host);
        Assert.Contains("  runtime class kata-qemu-runtime-rs (io.containerd.kata-qemu-runtime-rs.v2, /etc/containerd/config.toml)", text.Out);
        Assert.Contains($"    shim    {RustShim} (runtime_path; the shim itself)", text.Out);
        Assert.Contains($"runtime {RustShim} (3.2.0, ttrpc)", text.Out);

        // Named with --config, no runtime class says which shim reads the file: RuntimeLocator picks kata-deploy's
        // runtime-rs shim for a configuration under .../kata-containers/runtime-rs/.
        text = Cli.Run("check", "--root", host, "--config", QemuRsConfig);
        Assert.Equal(ExitCodes.Ok, text.ExitCode);
        Assert.Contains($"runtime {RustShim} (3.2.0, ttrpc)", text.Out);
        Assert.Contains("agent 3.2.0", text.Out);
        Assert.Contains("verdict: PASS", text.Out);
    }

    [Fact]
    public void RuntimeRsWithA220AgentBlocksOnTheMajorSkewAndWarnsOnWhatTheAgentLacks()
    {
        string host = RuntimeRsHost();

        CliResult result = Cli.Run("check", "--root", host, "--format", "json");

        Assert.Equal(ExitCodes.Block, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("block", json.RootElement.GetProperty("verdict").GetString());
        JsonElement check = CheckOf(json.RootElement, "kata-dragonball");
        Assert.Equal(DragonballConfig, check.GetProperty("config").GetProperty("path").GetString());
        Assert.Equal("dragonball", check.GetProperty("config").GetProperty("hypervisor").GetString());
        Assert.Equal("kata-dax", check.GetProperty("image").GetProperty("layout").GetString());
        Assert.Equal("2.2.0", check.GetProperty("agent").GetProperty("version").GetString());
        Assert.Equal("3.2.0", check.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("block", check.GetProperty("verdict").GetString());

        var findings = check.GetProperty("findings").EnumerateArray()
            .Select(f => (Rule: f.GetProperty("rule").GetString()!, Severity: f.GetProperty("severity").GetString()!,
                Subject: f.GetProperty("subject").GetString()!))
            .ToList();
        // Kata 2 and 3 are different major releases: the version rule blocks whatever the schemas say.
        Assert.Contains(("VERSION_SKEW_MAJOR", "block", "version"), findings);
        // The history from 2.2.0 to 3.2.0 (kata-facts "Protocol history"): RPCs added in 2.4.0 (GetVolumeStats,
        // ResizeVolume), 2.5.0 (GetIPTables, SetIPTables) and 3.2.0 (RemoveStaleVirtiofsShareMounts,
        // UpdateEphemeralMounts) are not served by a 2.2.0 agent...
        Assert.Equal(
            new[] { "GetIPTables", "GetVolumeStats", "RemoveStaleVirtiofsShareMounts", "ResizeVolume", "SetIPTables", "UpdateEphemeralMounts" }
                .Select(m => ("RPC_MISSING", "warn", "grpc.AgentService." + m)),
            findings.Where(f => f.Rule == "RPC_MISSING").OrderBy(f => f.Subject, StringComparer.Ordinal));
        // ...and fields added since (Route.family 2.4.0, Storage.fs_group 2.5.0, Hooks 4-6 3.2.0) are dropped by it.
        Assert.Equal(
            new[] { "grpc.Hooks.CreateContainer", "grpc.Hooks.CreateRuntime", "grpc.Hooks.StartContainer", "grpc.Storage.fs_group", "types.Route.family" }
                .Select(s => ("FIELD_UNKNOWN_TO_RECEIVER", "warn", s)),
            findings.Where(f => f.Rule == "FIELD_UNKNOWN_TO_RECEIVER").OrderBy(f => f.Subject, StringComparer.Ordinal));
        // No wire break between 2.2.0 and 3.2.0 (the seccomp renumbering was 2.1.0), and the runtime's storage
        // drivers are all ones a 2.2.0 agent handles.
        // (Both fixtures model their release's protocol, so each side is also said, as info, to differ from the catalog's.)
        Assert.Equal(12, findings.Count(f => f.Rule != "PROTOCOL_DIFFERS_FROM_RELEASE"));
        Assert.DoesNotContain(findings, f => f.Rule == "DRIVER_UNKNOWN_TO_AGENT");

        // Without the version rule, the protocol findings alone warn (and warnings pass the default --fail-on).
        CliResult ignored = Cli.Run("check", "--root", host, "--ignore", "VERSION_SKEW_MAJOR");
        Assert.Equal(ExitCodes.Ok, ignored.ExitCode);
        Assert.Contains("  runtime class kata-dragonball (io.containerd.kata-dragonball.v2, /etc/containerd/config.toml)", ignored.Out);
        Assert.Contains("RPC_MISSING  grpc.AgentService.UpdateEphemeralMounts", ignored.Out);
        Assert.Contains("verdict: WARN", ignored.Out);
    }

    [Fact]
    public void WithoutContainerdAKataDeployRuntimeRsConfigurationIsPairedWithTheRustShim()
    {
        // No runtime class to name the shim: RuntimeLocator must pick /opt/kata/runtime-rs/bin for a configuration
        // under .../kata-containers/runtime-rs/, even with kata-deploy's Go shim (3.5.0 here) in /opt/kata/bin.
        string host = RuntimeRsHost();
        File.Delete(Path.Join(host, "etc/containerd/config.toml"));
        Copy(TestData.Generated("binaries", "runtime-go-ttrpc-3.5.0-amd64"), host, "/opt/kata/bin/containerd-shim-kata-v2");
        File.CreateSymbolicLink(Path.Join(host, "opt/kata/share/defaults/kata-containers/configuration.toml"),
            "runtime-rs/configuration-qemu-runtime-rs.toml");

        CliResult result = Cli.Run("check", "--root", host, "--format", "json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement check = json.RootElement.GetProperty("checks").EnumerateArray().Single();
        Assert.Equal(JsonValueKind.Null, check.GetProperty("runtimeClass").ValueKind);
        Assert.Equal(RustShim, check.GetProperty("runtime").GetProperty("path").GetString());
        Assert.Equal("3.2.0", check.GetProperty("runtime").GetProperty("version").GetString());
        Assert.Equal("pass", check.GetProperty("verdict").GetString());
    }
}
