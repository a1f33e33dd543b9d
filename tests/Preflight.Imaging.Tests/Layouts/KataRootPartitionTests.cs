using System.Text;
using Preflight.Imaging.Agent;

namespace Preflight.Imaging.Tests.Layouts;

/// <summary>
/// Kata boots partition 1 (root=/dev/vda1 or /dev/pmem0p1) whatever the boot flags say. The images are made here
/// with mkfs.ext4 -d, sfdisk and dd: partition 1 and partition 2 each hold a different kata-agent.
/// </summary>
public sealed class KataRootPartitionTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-p1-").FullName;

    [Theory]
    [InlineData("dos")]
    [InlineData("gpt")]
    public void A_boot_flag_on_partition_2_does_not_move_the_check_off_partition_1(string label)
    {
        // sfdisk's "bootable" is the MBR active flag; on GPT it is the legacy BIOS bootable attribute (bit 2).
        string flag = label == "dos" ? "bootable" : "attrs=LegacyBIOSBootable";
        Tool.Shell(_directory, $"""
            mkdir -p one/usr/bin two/usr/bin
            printf 'agent on partition 1\n' > one/usr/bin/kata-agent
            printf 'agent on partition 2, flagged bootable\n' > two/usr/bin/kata-agent
            mkfs.ext4 -q -F -d one p1.ext4 8M
            mkfs.ext4 -q -F -d two p2.ext4 8M
            truncate -s 20M image.img
            printf 'label: {label}\nstart=2048, size=16384, type=L\nstart=18432, size=16384, type=L, {flag}\n' | sfdisk -q image.img
            dd if=p1.ext4 of=image.img bs=512 seek=2048 conv=notrunc status=none
            dd if=p2.ext4 of=image.img bs=512 seek=18432 conv=notrunc status=none
            """);

        using OpenedImage image = GuestImage.Open(Path.Combine(_directory, "image.img"));

        Assert.True(image.Partitions.Single(p => p.Number == 2).Bootable);
        Assert.Equal(1, image.RootfsPartition.Number);
        AgentLocation agent = AgentLocator.Locate(image.FileSystem) ?? throw new Xunit.Sdk.XunitException("no agent found");
        Assert.Equal("agent on partition 1\n", Encoding.UTF8.GetString(AgentLocator.ReadAgent(image.FileSystem, agent)));
    }

    [Fact]
    public void An_image_whose_partition_1_holds_no_filesystem_is_refused_even_if_partition_2_does()
    {
        Tool.Shell(_directory, """
            mkdir -p two/usr/bin
            printf 'agent on partition 2\n' > two/usr/bin/kata-agent
            mkfs.ext4 -q -F -d two p2.ext4 8M
            truncate -s 20M image.img
            printf 'label: dos\nstart=2048, size=16384, type=L\nstart=18432, size=16384, type=L, bootable\n' | sfdisk -q image.img
            dd if=p2.ext4 of=image.img bs=512 seek=18432 conv=notrunc status=none
            """);

        var error = Assert.Throws<ImageFormatException>(() => GuestImage.Open(Path.Combine(_directory, "image.img")));
        Assert.Contains("partition 1, the one Kata boots", error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
