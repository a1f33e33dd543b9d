using System.Text.Json;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// A verdict is a promise: PASS only when the protocols were compared, ignored findings stay visible, "nothing could
/// be checked" is its own answer, names in a policy are checked, and text from an image cannot drive the terminal.
/// Each case here was wrong before (issue 11's "Why").
/// </summary>
public class VerdictIntegrityTests
{
    private static string RealBuild(string name) => TestData.Generated("real-builds", name);

    [Fact]
    public void TwoBinariesWithoutAnyProtocolDoNotPass()
    {
        // Neither side shows a protocol: the hash of nothing must not make them "match".
        string client = RealBuild("runtime-rs-client-3.32.0");
        CliResult result = Cli.Run("diff", "--agent", client, "--runtime", client);
        Assert.DoesNotContain("verdict: PASS", result.Out);
        Assert.Contains("PROTOCOL_UNVERIFIED", result.Out);
        Assert.Contains("fingerprint none (no protocol read)", result.Out);

        CliResult fingerprint = Cli.Run("fingerprint", client);
        Assert.Equal(ExitCodes.Unreadable, fingerprint.ExitCode);
        Assert.DoesNotContain("sha256:e3b0c442", fingerprint.Out);
    }

    [Fact]
    public void IgnoredFindingsStayInEveryReportAndTheOkLineIsNotPrinted()
    {
        CliResult text = Cli.Run("check", "--root", Cli.DemoHost, "--ignore", "ALL");
        Assert.Equal(ExitCodes.Ok, text.ExitCode);
        Assert.Contains("ignored  FIELD_MESSAGE_BYTES_CHANGED  grpc.LinuxSeccomp.Flags", text.Out);
        Assert.Contains("[block; ALL rules are ignored", text.Out);
        // The clh pair's fingerprints differ: it does not "match", whatever is ignored.
        Assert.Single(text.Out.Split('\n'), l => l.Contains("protocols match", StringComparison.Ordinal));

        CliResult json = Cli.Run("check", "--root", Cli.DemoHost, "--ignore", "ALL", "--format", "json");
        using var report = JsonDocument.Parse(json.Out);
        Assert.Equal("pass", report.RootElement.GetProperty("verdict").GetString());
        Assert.Contains(report.RootElement.GetProperty("findings").EnumerateArray(), f =>
            f.GetProperty("rule").GetString() == "FIELD_MESSAGE_BYTES_CHANGED" && f.TryGetProperty("suppressed", out _));
        var clh = report.RootElement.GetProperty("checks").EnumerateArray()
            .Single(c => c.GetProperty("config").GetProperty("hypervisor").GetString() == "clh");
        Assert.False(clh.GetProperty("fingerprintsMatch").GetBoolean());

        CliResult sarif = Cli.Run("check", "--root", Cli.DemoHost, "--ignore", "ALL", "--format", "sarif");
        using var log = JsonDocument.Parse(sarif.Out);
        var results = log.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        Assert.NotEmpty(results);
        Assert.All(results, r => Assert.Equal("external", r.GetProperty("suppressions")[0].GetProperty("kind").GetString()));
    }

    [Fact]
    public void AnUnknownRuleToIgnoreIsAUsageErrorWithASuggestion()
    {
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--ignore", "RPC_MISING");
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("did you mean 'RPC_MISSING'?", result.Error);
        Assert.Equal(ExitCodes.Usage, Cli.Run("check", "--root", Cli.DemoHost, "--ignore", "NOPE").ExitCode);
    }

    [Fact]
    public void APolicyTypoInAServiceNameIsAUsageErrorNotAPass()
    {
        string policy = Path.Combine(Directory.CreateTempSubdirectory("policy").FullName, "policy.toml");
        File.WriteAllText(policy, "[protocol]\nexpected-services = [\"grpc.AgentServce\"]\n");
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--policy", policy);
        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("did you mean 'grpc.AgentService'?", result.Error);
        Assert.DoesNotContain("verdict: PASS", result.Out);
    }

    [Fact]
    public void NothingInspectedIsItsOwnVerdictNeverAWarning()
    {
        CliResult text = Cli.Run("check", "--root", Cli.DemoHost, "--config", "/nonexistent.toml");
        Assert.Equal(ExitCodes.Unreadable, text.ExitCode);
        Assert.Contains("verdict: NOT CHECKED", text.Out);
        Assert.DoesNotContain("sandboxes should start", text.Out);
        Assert.DoesNotContain("verdict: WARN", text.Out);

        CliResult json = Cli.Run("check", "--root", Cli.DemoHost, "--config", "/nonexistent.toml", "--format", "json");
        using var report = JsonDocument.Parse(json.Out);
        Assert.Equal("unchecked", report.RootElement.GetProperty("verdict").GetString());
    }

    [Fact]
    public void ControlCharactersFromAnImageAreEscapedInTheTextReport()
    {
        var output = new StringWriter();
        var reporter = new Preflight.Cli.Reports.TerminalText(output, color: true);
        reporter.WriteLine("agent \u001b[2J\u001b]0;owned\u0007 " + Preflight.Cli.Reports.TerminalText.Paint("BLOCK", "31;1", true));
        string line = output.ToString();
        Assert.DoesNotContain("\u001b[2J", line);
        Assert.DoesNotContain("\u001b]0;", line);
        Assert.Contains("\\x1b[2J", line);
        Assert.Contains("\\x07", line);
        // Our own colour survives.
        Assert.Contains("\u001b[31;1mBLOCK\u001b[0m", line);
    }

    [Fact]
    public void DiffAppliesTheVersionRuleAsCheckDoes()
    {
        CliResult result = Cli.Run("diff", "--agent", RealBuild("agent-2.0.0"), "--runtime", RealBuild("runtime-2.2.0-go"));
        Assert.Contains("VERSION_SKEW_MINOR", result.Out);
        Assert.Equal(ExitCodes.Block, result.ExitCode); // the 2.0/2.2 seccomp renumbering
    }

    [Fact]
    public void RealBuildsOfOneReleasePassThroughTheCommandLine()
    {
        CliResult result = Cli.Run("diff", "--agent", RealBuild("agent-2.2.0-ttrpc"), "--runtime", RealBuild("runtime-2.2.0-go"), "--format", "json");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var report = JsonDocument.Parse(result.Out);
        Assert.Equal("pass", report.RootElement.GetProperty("verdict").GetString());
        Assert.Equal("2.2.0-2.2.1", report.RootElement.GetProperty("agent").GetProperty("releases").GetString());
    }

    [Fact]
    public async Task ADiscoveredRuntimeThatIsAFifoIsRefusedUnopened()
    {
        string host = Cli.CopyOfDemoHost();
        string runtime = Path.Combine(host, "opt/kata/bin/containerd-shim-kata-v2");
        File.Delete(runtime);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [runtime]))
        {
            mkfifo.WaitForExit();
        }
        CliResult result = await Task.Run(() => Cli.Run("check", "--root", host)).WaitAsync(TimeSpan.FromMinutes(2));
        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Contains("RUNTIME_UNREADABLE", result.Out);
        Assert.Contains("is a FIFO", result.Out);
        Directory.Delete(host, true);
    }
}
