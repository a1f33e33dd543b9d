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
        Assert.Contains("test \\\"$(cat /run/kata-preflight/last-exit)\\\" != 1", manifest);
    }
}
