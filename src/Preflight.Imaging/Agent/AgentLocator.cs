using System.Security.Cryptography;
using System.Text;
using Preflight.Formats;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;

namespace Preflight.Imaging.Agent;

/// <summary>Bytes [Offset, Offset + Length) of an image file.</summary>
public readonly record struct FileRangeInImage(long Offset, long Length);

/// <summary>
/// Finds the kata-agent inside a guest root filesystem the way osbuilder installs it. In order:
/// (1) the agent as init: /sbin/init or /init resolving to a file named like kata-agent, or with the same content
///     as /usr/bin/kata-agent (AGENT_INIT=yes copies the agent over init);
/// (2) the binary kata-agent.service's ExecStart= runs (AGENT_BIN may rename it);
/// (3) /usr/bin/kata-agent;
/// (4) an init that is a binary but not systemd, when nothing above matched (AGENT_INIT=yes with a renamed agent).
/// Symbolic links resolve inside the image; a link loop raises ImageFormatException.
/// </summary>
public static class AgentLocator
{
    public const string DefaultPath = "/usr/bin/kata-agent";
    public const long DefaultMaxAgentBytes = 512L * 1024 * 1024;

    private const long MaxUnitBytes = 64 * 1024;
    private static readonly string[] InitPaths = ["/sbin/init", "/init"];

    /// <summary>Where the agent usually is: the default path, and init when the agent is init (AGENT_INIT=yes).</summary>
    public static IReadOnlySet<string> LikelyAgentPaths { get; } = new HashSet<string>([DefaultPath, .. InitPaths], StringComparer.Ordinal);

    // systemd's precedence: /etc overrides the vendor directories.
    private static readonly string[] UnitDirectories = ["/etc/systemd/system", "/usr/lib/systemd/system", "/lib/systemd/system"];
    private static readonly string[] CommandSearchPath = ["/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"];

    public static AgentLocation? Locate(IFileSystem fs)
    {
        FileSystemEntry? defaultAgent = RegularFile(fs, DefaultPath);

        foreach (string init in InitPaths)
        {
            FileSystemEntry? target = RegularFile(fs, init);
            if (target is null)
            {
                continue;
            }
            if (FileName(target.Path).Contains("kata-agent", StringComparison.Ordinal)
                || (defaultAgent is not null && SameContent(fs, target, defaultAgent)))
            {
                return new AgentLocation(init, target.Path, AgentFoundBy.Init, target.Length, null);
            }
        }

        foreach (string directory in UnitDirectories)
        {
            string unitPath = directory + "/kata-agent.service";
            FileSystemEntry? unit = RegularFile(fs, unitPath);
            if (unit is null)
            {
                continue;
            }
            string? binary = SystemdUnit.ExecStartBinary(ReadText(fs, unitPath, MaxUnitBytes));
            foreach (string candidate in CommandCandidates(binary))
            {
                FileSystemEntry? agent = RegularFile(fs, candidate);
                if (agent is not null)
                {
                    return new AgentLocation(candidate, agent.Path, AgentFoundBy.SystemdUnit, agent.Length, unitPath);
                }
            }
        }

        if (defaultAgent is not null)
        {
            return new AgentLocation(DefaultPath, defaultAgent.Path, AgentFoundBy.DefaultPath, defaultAgent.Length, null);
        }

        foreach (string init in InitPaths)
        {
            FileSystemEntry? target = RegularFile(fs, init);
            if (target is not null && !LooksLikeSystemd(target.Path) && StartsWithElf(fs, target.Path))
            {
                return new AgentLocation(init, target.Path, AgentFoundBy.Init, target.Length, null);
            }
        }
        return null;
    }

    /// <summary>Locate, or an ImageFormatException saying where we looked.</summary>
    public static AgentLocation LocateRequired(IFileSystem fs, string sourceName) =>
        Locate(fs) ?? throw new ImageFormatException(sourceName, null,
            $"no kata-agent found: looked at {string.Join(", ", InitPaths)} (agent as init), kata-agent.service in {string.Join(", ", UnitDirectories)}, and {DefaultPath}");

    /// <summary>
    /// How much more than its partition a compressing file system (EROFS) may plausibly unpack into one file: LZ4 on
    /// executables stays under 4:1; the margin keeps a damaged size field from asking for far more than that.
    /// </summary>
    public const int MaxCompressionRatio = 16;

    /// <summary>
    /// The agent's bytes from an opened image. Besides the absolute limit, the size must fit what the file system can
    /// hold: ext4 and XFS store file data as is, so a file larger than its partition would be mostly holes, which a
    /// damaged size field produces and an agent never does (the readers would serve hundreds of MiB of zeros);
    /// EROFS may compress, within <see cref="MaxCompressionRatio"/>; an initrd's members are bounded by its
    /// decompression caps.
    /// </summary>
    public static byte[] ReadAgent(OpenedImage image, AgentLocation agent)
    {
        long fits = image.FileSystemType switch
        {
            FileSystemType.Ext4 or FileSystemType.Xfs => image.PartitionLength,
            FileSystemType.Erofs => image.PartitionLength * MaxCompressionRatio,
            _ => DefaultMaxAgentBytes,
        };
        using Stream stream = image.FileSystem.OpenFile(agent.ResolvedPath);
        if (stream.Length > fits)
        {
            throw new ImageFormatException(image.Path, null,
                $"agent {agent.ResolvedPath} claims {stream.Length} bytes, more than its {image.PartitionLength}-byte " +
                $"{image.FileSystemType.Name()} file system can hold (a damaged size field)");
        }
        return ReadAll(stream, image.FileSystem, agent, DefaultMaxAgentBytes);
    }

    /// <summary>
    /// Where the agent's bytes lie in the image file, as they are, when they do: an ext4 file stored in one unbroken
    /// run of a regular image file (not an initrd, whose agent is compressed, nor a block device). The caller may then
    /// read the agent by mapping that range rather than copying it into memory. Null otherwise.
    /// </summary>
    public static FileRangeInImage? StoredRange(OpenedImage image, AgentLocation agent)
    {
        // A block device's FileInfo has no length: only a regular file of the length opened is mapped.
        if (image.Layout == ImageLayout.Initrd || !File.Exists(image.Path) || new FileInfo(image.Path).Length != image.ImageLength)
        {
            return null;
        }
        using Stream stream = image.FileSystem.OpenFile(agent.ResolvedPath);
        if (stream is not IStoredContiguously stored || stored.StoredAt() is not long inVolume || stream.Length == 0
            || stream.Length > DefaultMaxAgentBytes || inVolume > image.PartitionLength - stream.Length)
        {
            return null;
        }
        return new FileRangeInImage(image.PartitionOffset + inVolume, stream.Length);
    }

    /// <summary>The agent's bytes; refuses a file larger than maxBytes rather than allocating it.</summary>
    public static byte[] ReadAgent(IFileSystem fs, AgentLocation agent, long maxBytes = DefaultMaxAgentBytes)
    {
        using Stream stream = fs.OpenFile(agent.ResolvedPath);
        return ReadAll(stream, fs, agent, maxBytes);
    }

    private static byte[] ReadAll(Stream stream, IFileSystem fs, AgentLocation agent, long maxBytes)
    {
        if (stream.Length > maxBytes)
        {
            throw new ImageFormatException(SourceOf(fs), null,
                $"agent {agent.ResolvedPath} is {stream.Length} bytes, over the limit of {maxBytes} bytes");
        }
        // A file system that has the bytes unpacked already (an initrd's agent) hands them over rather than a copy.
        if (stream is MemoryStream unpacked && unpacked.TryGetBuffer(out ArraySegment<byte> whole)
            && whole.Offset == 0 && whole.Array is byte[] array && whole.Count == array.Length && unpacked.Position == 0)
        {
            return array;
        }
        // Every byte is overwritten by the read (or the read throws): zeroing tens of megabytes first is waste.
        var data = GC.AllocateUninitializedArray<byte>(checked((int)stream.Length));
        stream.ReadExactly(data);
        return data;
    }

    /// <summary>Lower-case hex SHA-256 of the agent, streamed (the file is not held in memory).</summary>
    public static string Sha256Hex(IFileSystem fs, AgentLocation agent)
    {
        using Stream stream = fs.OpenFile(agent.ResolvedPath);
        return Sha256Hex(stream);
    }

    public static string Sha256Hex(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static string Sha256Hex(Stream stream) => Convert.ToHexStringLower(SHA256.HashData(stream));

    private static IEnumerable<string> CommandCandidates(string? binary)
    {
        if (string.IsNullOrEmpty(binary))
        {
            yield break;
        }
        if (binary.StartsWith('/'))
        {
            yield return binary;
            yield break;
        }
        if (binary.Contains('/'))
        {
            yield break;
        }
        foreach (string directory in CommandSearchPath)
        {
            yield return directory + "/" + binary;
        }
    }

    private static FileSystemEntry? RegularFile(IFileSystem fs, string path)
    {
        FileSystemEntry? entry = fs.GetEntry(path);
        return entry is { Kind: FileKind.File } ? entry : null;
    }

    private static bool SameContent(IFileSystem fs, FileSystemEntry a, FileSystemEntry b)
    {
        if (a.Path == b.Path)
        {
            return true;
        }
        if (a.Length != b.Length)
        {
            return false;
        }
        using Stream left = fs.OpenFile(a.Path);
        using Stream right = fs.OpenFile(b.Path);
        return Sha256Hex(left) == Sha256Hex(right);
    }

    private static bool LooksLikeSystemd(string resolvedPath) =>
        FileName(resolvedPath) == "systemd" || resolvedPath.Contains("/systemd/", StringComparison.Ordinal);

    private static bool StartsWithElf(IFileSystem fs, string path)
    {
        using Stream stream = fs.OpenFile(path);
        return ElfMagic.StartsWith(stream);
    }

    private static string ReadText(IFileSystem fs, string path, long maxBytes)
    {
        using Stream stream = fs.OpenFile(path);
        var buffer = new byte[(int)Math.Min(stream.Length, maxBytes)];
        int read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    internal static string SourceOf(IFileSystem fs) => fs is ReadOnlyFileSystem ro ? ro.SourceName : fs.FileSystemType.Name();

    private static string FileName(string path) => path[(path.LastIndexOf('/') + 1)..];
}
