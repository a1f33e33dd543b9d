using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;
using Preflight.Tests;
using Xunit.Abstractions;

namespace Preflight.Imaging.Tests.Layouts;

/// <summary>Every filesystem in every layout osbuilder makes: the right layout, filesystem and agent bytes.</summary>
public sealed class GuestImageMatrixTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, string, long> Matrix()
    {
        var data = new TheoryData<string, string, string, long>();
        foreach (string line in File.ReadAllLines(TestData.Generated("layouts", "matrix.tsv")).Skip(1))
        {
            string[] f = line.Split('\t');
            data.Add(f[0], f[1], f[2], long.Parse(f[3]));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Opens_the_rootfs_and_finds_the_agent_byte_exact(string image, string layout, string fileSystem, long offset)
    {
        string path = TestData.Generated("layouts", image);
        string expectedSha = File.ReadAllText(TestData.Generated("layouts", "agent.sha256")).Trim();

        using OpenedImage opened = GuestImage.Open(path);
        Assert.Equal(layout, opened.Layout.Name());
        Assert.Equal(fileSystem, opened.FileSystemType.Name());
        Assert.Equal(offset, opened.PartitionOffset);
        Assert.Equal(image.StartsWith("measured-", StringComparison.Ordinal), opened.VerityHashPartition is { Number: 2 });

        AgentLocation? agent = AgentLocator.Locate(opened.FileSystem);
        Assert.NotNull(agent);
        Assert.Equal(AgentFoundBy.SystemdUnit, agent.FoundBy);
        Assert.Equal("/usr/bin/kata-agent", agent.ResolvedPath);
        Assert.Equal("/usr/lib/systemd/system/kata-agent.service", agent.Unit);
        Assert.Equal(expectedSha, AgentLocator.Sha256Hex(AgentLocator.ReadAgent(opened.FileSystem, agent)));

        output.WriteLine($"{image}: read {opened.BytesRead} of {opened.ImageLength} bytes (agent {agent.Length})");
        // Only the tables, the metadata walked and the agent's blocks are read: measured overhead beyond the agent
        // is 8 KiB (erofs) to 130 KiB (ext4); the images are 1.5 to 46 MiB.
        long overhead = opened.BytesRead - agent.Length;
        Assert.True(overhead < 256 * 1024, $"read {opened.BytesRead} bytes for a {agent.Length}-byte agent");
    }

    [Fact]
    public void Osbuilder_metadata_is_read_from_a_disk_image()
    {
        using OpenedImage opened = GuestImage.Open(TestData.Generated("layouts", "dax-ext4.img"));
        OsBuilderInfo? info = OsBuilderMetadata.Read(opened.FileSystem);
        Assert.NotNull(info);
        Assert.Equal("3.2.0", info.AgentVersion);
        Assert.False(info.AgentIsInitDaemon);
    }

    [Theory]
    [InlineData("bad-unknown.img", GuestImage.NotAGuestImage)]
    [InlineData("bad-empty.img", GuestImage.NotAGuestImage)]
    [InlineData("bad-short.img", GuestImage.NotAGuestImage)]
    [InlineData("bad-dax-mismatch.img", "MBR #1 and MBR #2 disagree")]
    [InlineData("bad-truncated.img", "extends past the end of the file")]
    [InlineData("bad-gpt-crc.img", "CRC32 mismatch")]
    public void Bad_images_raise_one_clear_error(string image, string problem)
    {
        string path = TestData.Generated("layouts", image);
        var error = Assert.Throws<ImageFormatException>(() => GuestImage.Open(path));
        Assert.Contains(problem, error.Message);
        Assert.StartsWith(path, error.Message);
    }

    [Fact]
    public void A_missing_file_is_an_image_error_naming_it()
    {
        var error = Assert.Throws<ImageFormatException>(() => GuestImage.Open("/nonexistent/kata.img"));
        Assert.Contains("/nonexistent/kata.img", error.Message);
    }
}
