using System.Text.Json;
using Preflight.Binaries;
using Preflight.Checking;
using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Protocol;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// Issue 14: an agent stored unbroken in an ext4 image is scanned where it lies (mapped), not copied out. That must
/// change nothing but the memory: the facts (or the error, for bytes that are no ELF) equal those of the agent's bytes
/// copied out and inspected in memory.
/// </summary>
public class MappedAgentTests
{
    [Theory]
    [InlineData("demo-host/opt/kata/share/kata-containers/kata-containers-2.2.0.img")] // MBR, a real Rust agent
    [InlineData("generated/layouts/gpt-ext4.img")] // GPT, an agent of test bytes that are no ELF
    public void AnAgentScannedInPlaceGivesTheFactsOfItsBytesCopiedOut(string relative)
    {
        string path = Preflight.Tests.TestData.Path(relative.Split('/'));
        var constants = CompatibilityOptions.Default.ConstantValues.ToList();
        string copied;
        using (OpenedImage image = GuestImage.Open(path))
        {
            AgentLocation agent = AgentLocator.Locate(image.FileSystem)!;
            Assert.NotNull(AgentLocator.StoredRange(image, agent)); // so Inspect below takes the mapped road
            copied = FactsOrError(() => BinaryInspector.Inspect(AgentLocator.ReadAgent(image, agent), $"{path}:{agent.ResolvedPath}", constants));
        }

        string mapped = FactsOrError(() => ImageInspector.Inspect(path, path, constants).AgentFacts!);

        Assert.Equal(copied, mapped);
    }

    private static string FactsOrError(Func<BinaryFacts> inspect)
    {
        try
        {
            return JsonSerializer.Serialize(inspect());
        }
        catch (BinaryFormatException e)
        {
            return e.Message;
        }
    }
}
