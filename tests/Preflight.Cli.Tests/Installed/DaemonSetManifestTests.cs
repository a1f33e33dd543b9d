using System.Text.Json;
using NJsonSchema;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// The Kubernetes DaemonSet (packaging/kubernetes) runs the installed binary with the node's root at /host and
/// judges readiness by the exit code: its command line must stay one the binary accepts and its output JSON. Run here
/// exactly as written, by the installed binary in the no-.NET chroot, whose root is a Kata host (so /host is "/").
/// </summary>
public sealed class DaemonSetManifestTests(ITestOutputHelper output)
{
    [Fact]
    public async Task The_manifests_check_command_runs_and_prints_one_JSON_report()
    {
        string manifest = File.ReadAllText(Path.Combine(TestData.Root, "packaging/kubernetes/kata-preflight-daemonset.yaml"));
        string line = manifest.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("/usr/bin/kata-preflight check ", StringComparison.Ordinal));
        string[] command = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("--root", command);
        Assert.Equal("/host", command[Array.IndexOf(command, "--root") + 1]);
        command[Array.IndexOf(command, "--root") + 1] = "/";

        ProcessResult result = Installed.InChroot(command);
        output.WriteLine(result.ToString());

        // The readiness probe treats exit 1 (block) as not ready: the demo host blocks.
        Assert.Equal(ExitCodes.Block, result.ExitCode);
        using var report = JsonDocument.Parse(result.Out);
        Assert.Equal("block", report.RootElement.GetProperty("verdict").GetString());
        // ...valid against the schema the package installs beside it.
        JsonSchema schema = await JsonSchema.FromFileAsync(Path.Combine(Installed.Chroot, "usr/share/kata-preflight/check-report.schema.json"));
        Assert.Empty(schema.Validate(result.Out));
    }

    /// <summary>The readiness probe, run by /bin/sh as the kubelet would: Ready only on exit 0 (or 1 when the
    /// admin chose READY_ON_BLOCK), never on "could not check" (3) or a kata-preflight bug (4).</summary>
    [Theory]
    [InlineData("0", "false", true)]
    [InlineData("1", "false", false)]
    [InlineData("1", "true", true)]
    [InlineData("2", "false", false)]
    [InlineData("3", "false", false)]
    [InlineData("3", "true", false)]
    [InlineData("4", "true", false)]
    public void The_readiness_probe_is_ready_only_on_a_verdict_that_lets_sandboxes_start(string lastExit, string readyOnBlock, bool ready)
    {
        string manifest = File.ReadAllText(Path.Combine(TestData.Root, "packaging/kubernetes/kata-preflight-daemonset.yaml"));
        string[] lines = manifest.Split('\n');
        int probe = Array.FindIndex(lines, l => l.Trim() == "readinessProbe:");
        string commandLine = lines.Skip(probe).First(l => l.Trim().StartsWith("command: [", StringComparison.Ordinal)).Trim()["command: ".Length..];
        string[] command = JsonSerializer.Deserialize<string[]>(commandLine)!;
        string dir = Directory.CreateTempSubdirectory("readiness").FullName;
        File.WriteAllText(Path.Combine(dir, "last-exit"), lastExit + "\n");
        var start = new System.Diagnostics.ProcessStartInfo(command[0]) { UseShellExecute = false };
        start.ArgumentList.Add(command[1]);
        start.ArgumentList.Add(command[2].Replace("/run/kata-preflight/last-exit", Path.Combine(dir, "last-exit"), StringComparison.Ordinal));
        start.Environment["READY_ON_BLOCK"] = readyOnBlock;
        using var process = System.Diagnostics.Process.Start(start)!;
        process.WaitForExit();
        Assert.Equal(ready, process.ExitCode == 0);
        Directory.Delete(dir, true);
    }
}
