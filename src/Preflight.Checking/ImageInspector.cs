using Preflight.Binaries;
using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;

namespace Preflight.Checking;

/// <summary>What was learned from a guest image: where the agent is and what its binary holds.</summary>
public sealed record ImageInspection(
    string Path,
    ImageLayout Layout,
    FileSystemType FileSystem,
    long PartitionOffset,
    AgentLocation? Agent,
    OsBuilderInfo? OsBuilder,
    BinaryFacts? AgentFacts,
    long BytesRead);

/// <summary>The image → agent → facts composition, used by `inspect image`, `diff` and `check` alike.</summary>
public static class ImageInspector
{
    /// <param name="realPath">The file to open on this machine.</param>
    /// <param name="displayPath">How to name it to the user (the host path under --root).</param>
    /// <param name="constants">String constants (driver names) whose presence in the agent matters.</param>
    /// <param name="readAgent">False to only locate the agent (inspect image without binary analysis).</param>
    /// <param name="hashAgent">False when nothing will show the agent's SHA-256 (its facts then carry none).</param>
    public static ImageInspection Inspect(string realPath, string displayPath, IReadOnlyCollection<string> constants, bool readAgent = true,
        bool hashAgent = true)
    {
        using OpenedImage image = GuestImage.Open(realPath);
        AgentLocation? agent = AgentLocator.Locate(image.FileSystem);
        OsBuilderInfo? osbuilder = OsBuilderMetadata.Read(image.FileSystem);
        BinaryFacts? facts = null;
        long agentBytesMapped = 0;
        if (agent is not null && readAgent)
        {
            string source = $"{displayPath}:{agent.ResolvedPath}";
            if (AgentLocator.StoredRange(image, agent) is FileRangeInImage stored)
            {
                // Stored unbroken in the image: scanned in place, like an installed binary, not copied into memory.
                facts = BinaryInspector.InspectFileRange(realPath, stored.Offset, stored.Length, source, constants, hashAgent);
                agentBytesMapped = stored.Length;
            }
            else
            {
                byte[] bytes = AgentLocator.ReadAgent(image, agent);
                facts = BinaryInspector.Inspect(bytes, source, constants, hashAgent);
            }
        }
        return new ImageInspection(displayPath, image.Layout, image.FileSystemType, image.PartitionOffset, agent, osbuilder, facts,
            image.BytesRead + agentBytesMapped);
    }
}
