using System.Text.Json;
using Preflight.Protocol;

namespace Preflight.Cli.Tests;

public class InspectAndDiffTests
{
    private static string Binary(string name) => TestData.Generated("binaries", name);

    [Fact]
    public void InspectImageJsonNamesLayoutFilesystemAndAgent()
    {
        string image = Path.Combine(Cli.DemoHost, "opt/kata/share/kata-containers/kata-containers-2.2.0.img");
        CliResult result = Cli.Run("inspect", "image", image, "--format", "json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement root = json.RootElement;
        Assert.Equal("kata-dax", root.GetProperty("layout").GetString());
        Assert.Equal("ext4", root.GetProperty("filesystem").GetString());
        JsonElement agent = root.GetProperty("agent");
        Assert.Equal("/usr/bin/kata-agent", agent.GetProperty("path").GetString());
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Binary("agent-rust-2.2.0-amd64"))));
        Assert.Equal(expected, agent.GetProperty("sha256").GetString());
        Assert.Equal(new FileInfo(Binary("agent-rust-2.2.0-amd64")).Length, agent.GetProperty("size").GetInt64());
        Assert.Equal("2.2.0", root.GetProperty("osbuilder").GetProperty("agentVersion").GetString());
    }

    [Fact]
    public void InspectBinaryJsonHasTheIssueFields()
    {
        CliResult result = Cli.Run("inspect", "binary", Binary("runtime-go-ttrpc-3.5.0-s390x"), "--format", "json");

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        JsonElement root = json.RootElement;
        Assert.Equal("s390x", root.GetProperty("elf").GetProperty("machine").GetString());
        Assert.Equal("big", root.GetProperty("elf").GetProperty("endianness").GetString());
        Assert.Equal(64, root.GetProperty("elf").GetProperty("class").GetInt32());
        Assert.Contains(root.GetProperty("descriptors").EnumerateArray(), d =>
            d.GetProperty("file").GetString() == "agent.proto" && d.GetProperty("encoding").GetString() == "raw"
            && d.GetProperty("services").EnumerateArray().Any(s => s.GetString() == "grpc.AgentService"));
        Assert.Contains(root.GetProperty("methods").EnumerateArray(), m => m.GetProperty("name").GetString() == "grpc.AgentService/SetPolicy");
        Assert.Equal("3.5.0", root.GetProperty("version").GetProperty("version").GetString());
        Assert.StartsWith("go1.", root.GetProperty("go").GetProperty("version").GetString());
    }

    [Fact]
    public void DiffReproducesTheSeedFailureAndAcceptsDescriptorSets()
    {
        CliResult seed = Cli.Run("diff", "--agent", Binary("agent-gogo-grpc-1.0.0-amd64"), "--runtime", Binary("runtime-gogo-grpc-1.1.0-amd64"), "--format", "json");
        Assert.Equal(ExitCodes.Ok, seed.ExitCode);
        using (var json = JsonDocument.Parse(seed.Out))
        {
            Assert.Equal("warn", json.RootElement.GetProperty("verdict").GetString());
            Assert.Contains(json.RootElement.GetProperty("findings").EnumerateArray(), f =>
                f.GetProperty("rule").GetString() == "DRIVER_UNKNOWN_TO_AGENT" && f.GetProperty("subject").GetString() == "ephemeral");
        }

        CliResult transport = Cli.Run("diff", "--agent", Binary("agent-rust-2.2.0-amd64"), "--runtime", Binary("runtime-gogo-grpc-1.12.1-amd64"));
        Assert.Equal(ExitCodes.Block, transport.ExitCode);
        Assert.Contains("TRANSPORT_MISMATCH", transport.Out);

        string sets = TestData.Generated("binaries", "descsets");
        CliResult same = Cli.Run("diff", "--agent", Path.Combine(sets, "3.5.0.binpb"), "--runtime", Path.Combine(sets, "3.5.0.binpb"));
        Assert.Equal(ExitCodes.Ok, same.ExitCode);
        Assert.Contains("verdict: PASS", same.Out);
    }

    [Fact]
    public void FingerprintOfAnImageEqualsItsRuntimeRelease()
    {
        string image = Path.Combine(Cli.DemoHost, "opt/kata/share/kata-containers/kata-containers-2.2.0.img");
        CliResult fromImage = Cli.Run("fingerprint", image);
        CliResult fromRuntime = Cli.Run("fingerprint", Path.Combine(Cli.DemoHost, "opt/kata/bin/containerd-shim-kata-v2"));
        Assert.Equal(ExitCodes.Ok, fromImage.ExitCode);
        Assert.StartsWith("sha256:", fromImage.Out);
        Assert.Equal(fromRuntime.Out, fromImage.Out);
    }

    [Fact]
    public void UnreadableInputIsOneLineAndExitThree()
    {
        string junk = Path.GetTempFileName();
        File.WriteAllText(junk, "not a binary, an image or a descriptor set");
        CliResult result = Cli.Run("diff", "--agent", junk, "--runtime", junk);
        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Contains(junk, result.Error);

        CliResult missing = Cli.Run("inspect", "image", "/no/such/image.img");
        Assert.Equal(ExitCodes.Unreadable, missing.ExitCode);
        Assert.Equal("kata-preflight: error: /no/such/image.img: no such file\n", missing.Error);
    }

    [Fact]
    public void RulesListsEveryRuleOnce()
    {
        CliResult result = Cli.Run("rules", "--format", "json");
        using var json = JsonDocument.Parse(result.Out);
        var ids = json.RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()!).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Superset(RuleCatalog.All.Select(r => r.Id).ToHashSet(), ids.ToHashSet());
        Assert.Contains("VERSION_SKEW_MAJOR", ids);
    }

    [Fact]
    public void ExportProtoWritesTheRecoveredServices()
    {
        string output = Directory.CreateTempSubdirectory("kata-preflight-export-").FullName;
        CliResult result = Cli.Run("export-proto", Binary("agent-rust-3.2.0-amd64"), "--output", output);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        string agentProto = Path.Combine(output, "agent.proto");
        Assert.True(File.Exists(agentProto), result.Out);
        Assert.Contains("service AgentService", File.ReadAllText(agentProto));
        Assert.Contains("rpc UpdateEphemeralMounts", File.ReadAllText(agentProto));
    }
}
