using System.Security.Cryptography;
using Preflight.Imaging.Agent;

namespace Preflight.Imaging.Tests.Initrd;

/// <summary>
/// GuestImage.Open keeps the agent's bytes while it scans a compressed initrd, so reading the agent afterwards does
/// not decompress the archive a second time: the file is read once, not twice, and the agent is still exact.
/// </summary>
public sealed class InitrdSinglePassTests
{
    [Theory]
    [InlineData("initrd-gzip.img")]
    [InlineData("initrd-zstd.img")]
    [InlineData("initrd-xz.img")]
    [InlineData("initrd-lz4frame.img")]
    public void The_agent_of_a_compressed_initrd_costs_one_pass_over_the_file(string file)
    {
        string path = TestData.Generated("initrd", file);
        long fileBytes = new FileInfo(path).Length;

        using OpenedImage image = GuestImage.Open(path);
        AgentLocation agent = AgentLocator.LocateRequired(image.FileSystem, path);
        byte[] bytes = AgentLocator.ReadAgent(image, agent);

        Assert.Equal(ExpectedAgentSha256(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        // The scan reads the file once (plus small probes); a second decompression would read it all again.
        Assert.True(image.BytesRead < fileBytes * 3 / 2, $"{image.BytesRead} bytes read from a {fileBytes}-byte initrd");
    }

    [Fact]
    public void Without_the_hint_the_agent_is_decompressed_again_and_still_exact()
    {
        string path = TestData.Generated("initrd", "initrd-gzip.img");
        long fileBytes = new FileInfo(path).Length;

        using OpenedImage image = GuestImage.Open(path, Preflight.Imaging.Initrd.InitrdLimits.Default);
        AgentLocation agent = AgentLocator.LocateRequired(image.FileSystem, path);
        byte[] bytes = AgentLocator.ReadAgent(image, agent);

        Assert.Equal(ExpectedAgentSha256(), Convert.ToHexStringLower(SHA256.HashData(bytes)));
        Assert.True(image.BytesRead > fileBytes * 3 / 2, $"{image.BytesRead} bytes read from a {fileBytes}-byte initrd");
    }

    private static string ExpectedAgentSha256() =>
        File.ReadAllText(TestData.Generated("initrd", "agent.sha256")).Split(' ', 2)[0].Trim();
}
