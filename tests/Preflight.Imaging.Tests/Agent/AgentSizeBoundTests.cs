using Preflight.Imaging.Agent;

namespace Preflight.Imaging.Tests.Agent;

/// <summary>
/// A damaged size field in the agent's inode must not make ReadAgent allocate and read hundreds of MiB of holes out
/// of a small image. The offsets are the agent's size field in each fixture, found by the mutation sweep
/// (tests/*/Robustness): 0x1F000000 there makes the agent claim 496 MiB.
/// </summary>
public sealed class AgentSizeBoundTests
{
    public static TheoryData<string, string, long, string> DamagedSizes => new()
    {
        { "layouts", "bare-ext4.img", 149764, "0000001F" },
        { "ext4", "ext4-blockmap.img", 660996, "0000001F" },
        { "erofs", "lz4.erofs", 2497736, "0000001F" },
        { "layouts", "bare-xfs.img", 24547384, "000000001F000000" },
    };

    [Theory]
    [MemberData(nameof(DamagedSizes))]
    public void An_agent_larger_than_its_file_system_can_hold_is_a_format_error_not_an_allocation(string area, string file, long offset, string hex)
    {
        string copy = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-agent-size-").FullName, file);
        File.Copy(TestData.Generated(area, file), copy);
        try
        {
            using (OpenedImage intact = GuestImage.Open(copy))
            {
                AgentLocation agent = AgentLocator.LocateRequired(intact.FileSystem, copy);
                Assert.True(AgentLocator.ReadAgent(intact, agent).Length > 0); // the fixture reads before the damage
            }
            using (var stream = new FileStream(copy, FileMode.Open, FileAccess.Write))
            {
                stream.Position = offset;
                stream.Write(Convert.FromHexString(hex));
            }

            using OpenedImage damaged = GuestImage.Open(copy);
            AgentLocation located = AgentLocator.LocateRequired(damaged.FileSystem, copy);
            long before = GC.GetAllocatedBytesForCurrentThread();
            var error = Assert.Throws<ImageFormatException>(() => AgentLocator.ReadAgent(damaged, located));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

            Assert.Contains("file system can hold", error.Message);
            Assert.Contains(copy, error.Message);
            Assert.True(allocated < 16 << 20, $"{allocated} bytes allocated");
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }
}
