using Preflight.Imaging.FileSystems;

namespace Preflight.Imaging.Agent;

/// <summary>
/// What /var/lib/osbuilder/osbuilder.yaml says about how the image was built (tools/osbuilder/rootfs-builder/
/// rootfs.sh writes it). It describes intent; the agent binary is the truth.
/// </summary>
public sealed record OsBuilderInfo(
    string? FileFormatVersion,
    string? OsBuilderUrl,
    string? OsBuilderVersion,
    string? RootfsCreationTime,
    string? Description,
    string? Architecture,
    string? BaseDistroName,
    string? BaseDistroVersion,
    IReadOnlyList<string> BaseDistroPackages,
    string? AgentUrl,
    string? AgentName,
    string? AgentVersion,
    bool? AgentIsInitDaemon);

/// <summary>
/// Reads osbuilder.yaml with a small parser for the one shape rootfs.sh writes: nested maps of scalars by
/// indentation, and "- item" lists. Anything else (flow style, anchors, multi-line scalars) is ignored, not
/// guessed at; unknown keys are ignored. Bounded: at most 1 MiB, 10,000 lines, 16 levels.
/// </summary>
public static class OsBuilderMetadata
{
    public const string Path = "/var/lib/osbuilder/osbuilder.yaml";

    private const int MaxBytes = 1024 * 1024;
    private const int MaxLines = 10_000;
    private const int MaxDepth = 16;

    /// <summary>The metadata, or null when the image has no osbuilder.yaml.</summary>
    public static OsBuilderInfo? Read(IFileSystem fs)
    {
        FileSystemEntry? entry = fs.GetEntry(Path);
        if (entry is not { Kind: FileKind.File })
        {
            return null;
        }
        if (entry.Length > MaxBytes)
        {
            throw new ImageFormatException(AgentLocator.SourceOf(fs), null, $"{Path} is {entry.Length} bytes, over the limit of {MaxBytes}");
        }
        using Stream stream = fs.OpenFile(Path);
        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }

    public static OsBuilderInfo Parse(string yaml)
    {
        (Dictionary<string, string> scalars, Dictionary<string, List<string>> lists) = Flatten(yaml);
        string? Get(string key) => scalars.TryGetValue(key, out string? v) ? v : null;
        List<string> packages = lists.Where(l => l.Key.StartsWith("base-distro.packages", StringComparison.Ordinal))
            .SelectMany(l => l.Value).ToList();
        string? isInit = Get("agent.agent-is-init-daemon");
        return new OsBuilderInfo(
            FileFormatVersion: Get("file-format-version"),
            OsBuilderUrl: Get("osbuilder.url"),
            OsBuilderVersion: Get("osbuilder.version"),
            RootfsCreationTime: Get("rootfs-creation-time"),
            Description: Get("description"),
            Architecture: Get("architecture"),
            BaseDistroName: Get("base-distro.name"),
            BaseDistroVersion: Get("base-distro.version"),
            BaseDistroPackages: packages,
            AgentUrl: Get("agent.url"),
            AgentName: Get("agent.name"),
            AgentVersion: Get("agent.version"),
            AgentIsInitDaemon: isInit switch { "yes" or "true" => true, "no" or "false" => false, _ => null });
    }

    /// <summary>Dotted key paths ("agent.version") to scalar values, and to list items.</summary>
    private static (Dictionary<string, string>, Dictionary<string, List<string>>) Flatten(string yaml)
    {
        var scalars = new Dictionary<string, string>(StringComparer.Ordinal);
        var lists = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var stack = new List<(int Indent, string Key)>();
        int lines = 0;
        foreach (string raw in yaml.Split('\n'))
        {
            if (++lines > MaxLines)
            {
                break;
            }
            string line = raw.TrimEnd('\r');
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#' || trimmed == "---" || trimmed == "...")
            {
                continue;
            }
            int indent = line.Length - line.TrimStart(' ').Length;
            if (trimmed.StartsWith("- ", StringComparison.Ordinal) || trimmed == "-")
            {
                // A list item belongs to the closest key above it with a smaller (or, YAML allows, equal) indent.
                while (stack.Count > 0 && stack[^1].Indent > indent)
                {
                    stack.RemoveAt(stack.Count - 1);
                }
                if (stack.Count > 0)
                {
                    string listKey = string.Join('.', stack.Select(s => s.Key));
                    if (!lists.TryGetValue(listKey, out List<string>? items))
                    {
                        lists[listKey] = items = [];
                    }
                    items.Add(Unquote(trimmed.Length > 1 ? trimmed[2..].Trim() : ""));
                }
                continue;
            }
            int colon = trimmed.IndexOf(':');
            if (colon <= 0)
            {
                continue;
            }
            string key = Unquote(trimmed[..colon].Trim());
            string value = StripComment(trimmed[(colon + 1)..]).Trim();
            while (stack.Count > 0 && stack[^1].Indent >= indent)
            {
                stack.RemoveAt(stack.Count - 1);
            }
            string path = string.Join('.', stack.Select(s => s.Key).Append(key));
            if (value.Length == 0)
            {
                if (stack.Count < MaxDepth)
                {
                    stack.Add((indent, key));
                }
                continue;
            }
            scalars[path] = Unquote(value);
        }
        return (scalars, lists);
    }

    private static string StripComment(string value)
    {
        string trimmed = value.TrimStart();
        if (trimmed.StartsWith('"') || trimmed.StartsWith('\''))
        {
            return value;
        }
        int hash = value.IndexOf(" #", StringComparison.Ordinal);
        return hash >= 0 ? value[..hash] : value;
    }

    private static string Unquote(string value) =>
        value.Length >= 2 && (value[0] == '"' && value[^1] == '"' || value[0] == '\'' && value[^1] == '\'')
            ? value[1..^1]
            : value;
}
