using System.Text.Json;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// A pair whose protocols can each be read but whose comparison passes the walker's depth limit (a 150-message cycle
/// on the runtime against a 151-message cycle on the agent, made by protoc and gcc in testdata/rules/make.sh)
/// is that pair's own finding: it is not checked and says why, naming both files, and the other pairs are still
/// judged. Before, the whole run stopped with exit 3.
/// </summary>
public class UncomparablePairTests
{
    private static string Uncomparable(string name) => TestData.Generated("rules", name);

    [Fact]
    public void CheckJudgesTheOtherPairsAndLeavesThisOneUnchecked()
    {
        // The demo host with the shim and the clh initrd replaced: the qemu pair (agent 2.2.0 against the cycle
        // runtime) can be compared, the clh pair (cycle against cycle) cannot.
        string host = Cli.CopyOfDemoHost();
        string kata = Path.Combine(host, "opt", "kata");
        File.Copy(Uncomparable("runtime"), Path.Combine(kata, "bin", "containerd-shim-kata-v2"), overwrite: true);
        string initrd = Path.Combine(kata, "share", "kata-containers", "kata-containers-initrd.img");
        File.Delete(initrd);
        File.Copy(Uncomparable("agent-initrd.img"), initrd);

        CliResult result = Cli.Run("check", "--root", host, "--format", "json");

        // The compared qemu pair blocks (its request types differ): the exit follows the pairs that were compared.
        Assert.Equal(ExitCodes.Block, result.ExitCode);
        using var report = JsonDocument.Parse(result.Out);
        var checks = report.RootElement.GetProperty("checks").EnumerateArray().ToList();
        Assert.Equal(2, checks.Count);
        JsonElement clh = checks.Single(c => c.GetProperty("config").GetProperty("hypervisor").GetString() == "clh");
        JsonElement qemu = checks.Single(c => c.GetProperty("config").GetProperty("hypervisor").GetString() == "qemu");
        Assert.False(clh.GetProperty("compared").GetBoolean());
        Assert.Equal("unchecked", clh.GetProperty("verdict").GetString());
        JsonElement finding = Assert.Single(clh.GetProperty("findings").EnumerateArray().ToList());
        Assert.Equal("PROTOCOL_UNCOMPARABLE", finding.GetProperty("rule").GetString());
        string message = finding.GetProperty("message").GetString()!;
        Assert.Contains("/opt/kata/share/kata-containers/kata-containers-initrd.img", message, StringComparison.Ordinal);
        Assert.Contains("/opt/kata/bin/containerd-shim-kata-v2", message, StringComparison.Ordinal);
        Assert.Contains("deeper than 200 levels", message, StringComparison.Ordinal);
        Assert.True(qemu.GetProperty("compared").GetBoolean());
        Assert.Equal("block", qemu.GetProperty("verdict").GetString());
    }

    [Fact]
    public void MatrixMarksThatCellUncheckedAndJudgesTheRest()
    {
        string release = TestData.Generated("protocols", "history", "2.2.0.binpb");
        CliResult result = Cli.Run("matrix", "--format", "json",
            "--agent", Uncomparable("agent.binpb"), "--agent", release,
            "--runtime", Uncomparable("runtime.binpb"), "--runtime", release);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var matrix = JsonDocument.Parse(result.Out);
        var cells = matrix.RootElement.GetProperty("cells").EnumerateArray()
            .ToDictionary(c => (Path.GetFileName(c.GetProperty("runtime").GetString()!), Path.GetFileName(c.GetProperty("agent").GetString()!)),
                c => c.GetProperty("verdict").GetString());
        Assert.Equal("unchecked", cells[("runtime.binpb", "agent.binpb")]);
        Assert.Equal("block", cells[("runtime.binpb", "2.2.0.binpb")]);
        Assert.Equal("block", cells[("2.2.0.binpb", "agent.binpb")]);
        Assert.Equal("pass", cells[("2.2.0.binpb", "2.2.0.binpb")]);
    }

    [Fact]
    public void DiffOfTheOnePairIsStillExitThree()
    {
        // With a single pair nothing at all was compared: that is exit 3, as before.
        CliResult result = Cli.Run("diff", "--agent", Uncomparable("agent.binpb"), "--runtime", Uncomparable("runtime.binpb"));
        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Contains("deeper than 200 levels", result.Error, StringComparison.Ordinal);
    }
}
