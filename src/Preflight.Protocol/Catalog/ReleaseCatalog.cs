using System.Reflection;
using Preflight.Binaries;

namespace Preflight.Protocol.Catalog;

/// <summary>One Kata release tag and the distinct protocol it shares with other tags (named by its first release).</summary>
public sealed record KataRelease(string Tag, KataVersion Version, string Protocol)
{
    /// <summary>Kata 1.x speaks gRPC; 2.0.0 and later speak ttrpc (<see cref="ProtocolTransport.OfRelease"/>).</summary>
    public RpcTransport Transport => ProtocolTransport.OfRelease(Version);
}

/// <summary>
/// Kata's agent protocol at every release, shipped inside the product (Catalog/Data, see PROVENANCE.md there):
/// 25 distinct descriptor sets covering 126 tags, which RPCs each analysed runtime release needs, and which storage
/// drivers each side knows. Anything taken from here is reported as coming from the release catalog, never as read
/// from a binary.
/// </summary>
public sealed class ReleaseCatalog
{
    public const string Provenance =
        "compiled from kata-containers/agent (1.x) and kata-containers/kata-containers (2.x+) at the release tags";

    /// <summary>Classes in required.tsv whose failure stops sandboxes (or container stops) on the normal path.</summary>
    private static readonly HashSet<string> BlockingClasses =
        new(StringComparer.Ordinal) { "required", "required-when-not-forced", "required-if-network" };

    private static readonly Lazy<ReleaseCatalog> Shared = new(Load);

    private readonly Dictionary<string, ProtocolSurface> surfaces = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> fingerprints = new(StringComparer.Ordinal);
    private readonly object gate = new();

    private ReleaseCatalog(
        IReadOnlyList<KataRelease> releases,
        IReadOnlyList<(KataVersion Runtime, IReadOnlySet<string> Rpcs)> required,
        IReadOnlyList<CatalogConstant> constants,
        IReadOnlyDictionary<string, string> pinnedFingerprints)
    {
        Releases = releases;
        RequiredByRuntime = required;
        Constants = constants;
        PinnedFingerprints = pinnedFingerprints;
        foreach (var (protocol, fingerprint) in pinnedFingerprints)
        {
            fingerprints[protocol] = fingerprint;
        }
    }

    /// <summary>The catalog built into this build of kata-preflight.</summary>
    public static ReleaseCatalog Default => Shared.Value;

    /// <summary>
    /// Starts reading the catalog on a worker, for a caller that reads binaries before it needs the catalog: the
    /// tables are parsed while the binaries are scanned. A failure stays in the Lazy and reaches whoever reads
    /// <see cref="Default"/>.
    /// </summary>
    public static void LoadInBackground() => _ = Task.Run(() => Shared.Value);

    /// <summary>Every release tag, oldest first.</summary>
    public IReadOnlyList<KataRelease> Releases { get; }

    /// <summary>The distinct protocols, oldest first, each named by the first release that has it.</summary>
    public IEnumerable<string> Protocols => Releases.Select(r => r.Protocol).Distinct();

    /// <summary>For each analysed runtime release, the RPCs ("grpc.AgentService/CreateSandbox") it cannot work without.</summary>
    public IReadOnlyList<(KataVersion Runtime, IReadOnlySet<string> Rpcs)> RequiredByRuntime { get; }

    /// <summary>The fingerprints this build carries (Catalog/Derived/fingerprints.tsv), by protocol.</summary>
    public IReadOnlyDictionary<string, string> PinnedFingerprints { get; }

    /// <summary>Storage drivers and device types per analysed release and side, from drivers.tsv.</summary>
    public IReadOnlyList<CatalogConstant> Constants { get; }

    public KataRelease? Find(KataVersion version) => Releases.FirstOrDefault(r => r.Version == version);

    public KataRelease? Find(string? version) => KataVersion.ParseRelease(version) is KataVersion v ? Find(v) : null;

    public IEnumerable<KataRelease> TagsOf(string protocol) => Releases.Where(r => r.Protocol == protocol);

    /// <summary>The protocol of a distinct set, with its era's transport; parsed on first use and kept.</summary>
    public ProtocolSurface Surface(string protocol)
    {
        lock (gate)
        {
            if (!surfaces.TryGetValue(protocol, out var surface))
            {
                surface = ParseSurface(protocol);
                surfaces[protocol] = surface;
            }
            return surface;
        }
    }

    private ProtocolSurface ParseSurface(string protocol)
    {
        var first = Releases.First(r => r.Protocol == protocol);
        byte[] bytes = ReadResource($"catalog/distinct/{protocol}.binpb");
        return ProtocolSurface.FromDescriptorSet(bytes, first.Transport, $"release catalog {protocol}").AsCatalog(protocol);
    }

    public ProtocolSurface Surface(KataRelease release) => Surface(release.Protocol);

    /// <summary>
    /// The wire fingerprint of a distinct protocol over Kata's two services. Matching one binary's fingerprint asks
    /// for all 25, and parsing them costs more than reading most binaries, so the build carries them pinned
    /// (Catalog/Derived/fingerprints.tsv, held equal to <see cref="ComputeFingerprint"/> by a test); a protocol
    /// the table lacks is computed once.
    /// </summary>
    public string Fingerprint(string protocol)
    {
        lock (gate)
        {
            if (!fingerprints.TryGetValue(protocol, out string? fingerprint))
            {
                fingerprint = ComputeFingerprint(protocol);
                fingerprints[protocol] = fingerprint;
            }
            return fingerprint;
        }
    }

    /// <summary>
    /// The fingerprint computed from the shipped descriptor set, never from the pinned table. A set parsed only for
    /// this is not kept (about 1 MB each once parsed), so only the sets a comparison uses stay in memory.
    /// </summary>
    public string ComputeFingerprint(string protocol)
    {
        ProtocolSurface surface;
        lock (gate)
        {
            surface = surfaces.TryGetValue(protocol, out var kept) ? kept : ParseSurface(protocol);
        }
        return ProtocolFingerprint.Compute(surface, CompatibilityOptions.Default)
            ?? throw new InvalidOperationException($"release catalog: protocol {protocol} has neither Kata service");
    }

    /// <summary>The releases whose protocol has this wire fingerprint (over Kata's two services), oldest first.</summary>
    public IReadOnlyList<KataRelease> ReleasesWithFingerprint(string? fingerprint)
    {
        if (fingerprint is null)
        {
            return [];
        }
        var protocols = Protocols.Where(p => Fingerprint(p) == fingerprint).ToHashSet(StringComparer.Ordinal);
        return Releases.Where(r => protocols.Contains(r.Protocol)).ToList();
    }

    /// <summary>
    /// The RPCs a runtime of this version cannot work without: those of the newest analysed runtime release not newer
    /// than it. For an unknown version (or one older than every analysed release) only the RPCs every analysed
    /// release needs, so the answer never asks more of an agent than any Kata runtime does.
    /// </summary>
    public IReadOnlySet<string> RequiredRpcs(KataVersion? runtime)
    {
        var analysed = RequiredByRuntime.Where(r => runtime is KataVersion v && r.Runtime <= v).ToList();
        if (analysed.Count > 0)
        {
            return analysed[^1].Rpcs;
        }
        IEnumerable<string> common = RequiredByRuntime[0].Rpcs;
        foreach (var (_, rpcs) in RequiredByRuntime.Skip(1))
        {
            common = common.Intersect(rpcs, StringComparer.Ordinal);
        }
        return new SortedSet<string>(common, StringComparer.Ordinal);
    }

    private static ReleaseCatalog Load()
    {
        var releases = new List<KataRelease>();
        foreach (string[] row in ReadTable("catalog/distinct/members.tsv", "distinct"))
        {
            foreach (string tag in row[4].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                var version = KataVersion.ParseRelease(tag)
                    ?? throw new InvalidOperationException($"release catalog: members.tsv names '{tag}', not a release");
                releases.Add(new KataRelease(tag, version, row[0]));
            }
        }
        releases.Sort((a, b) => a.Version.CompareTo(b.Version));

        var required = new SortedDictionary<KataVersion, SortedSet<string>>();
        foreach (string[] row in ReadTable("catalog/required.tsv", "runtime_tag"))
        {
            var version = KataVersion.ParseRelease(row[0])
                ?? throw new InvalidOperationException($"release catalog: required.tsv names '{row[0]}', not a release");
            if (!required.TryGetValue(version, out var rpcs))
            {
                rpcs = new SortedSet<string>(StringComparer.Ordinal);
                required[version] = rpcs;
            }
            if (BlockingClasses.Contains(row[3]) && RpcName(row[1]) is string rpc)
            {
                rpcs.Add(rpc);
            }
        }

        var constants = new List<CatalogConstant>();
        foreach (string[] row in ReadTable("catalog/drivers.tsv", "tag"))
        {
            ConstantKind? kind = row[2] switch
            {
                "storage-driver" => ConstantKind.StorageDriver,
                "device-type" => ConstantKind.DeviceType,
                _ => null, // host-* kinds are the runtime's own names, never sent to the agent
            };
            if (kind is ConstantKind k && KataVersion.ParseRelease(row[0]) is KataVersion version)
            {
                constants.Add(new CatalogConstant(version, row[1] == "agent", k, row[3]));
            }
        }

        var pinned = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string[] row in ReadTable(PinnedFingerprintsResource, "protocol"))
        {
            pinned[row[0]] = row[1];
        }

        return new ReleaseCatalog(
            releases,
            required.Select(r => (r.Key, (IReadOnlySet<string>)r.Value)).ToList(),
            constants,
            pinned);
    }

    /// <summary>Derived by kata-preflight from the shipped sets (not part of the data PROVENANCE.md describes).</summary>
    private const string PinnedFingerprintsResource = "catalog-derived/fingerprints.tsv";

    /// <summary>
    /// required.tsv names AgentService RPCs bare ("CreateSandbox") and the health check as
    /// "Health.Check (grpc.Health, not AgentService)"; a row naming several RPCs at once is a note, not one RPC.
    /// </summary>
    private static string? RpcName(string text)
    {
        if (text.StartsWith("Health.", StringComparison.Ordinal))
        {
            string method = text["Health.".Length..].Split(' ')[0];
            return "grpc.Health/" + method;
        }
        return IsBareRpcName(text) ? "grpc.AgentService/" + text : null;
    }

    private static bool IsBareRpcName(string text) =>
        text.Length > 0 && char.IsAsciiLetterUpper(text[0]) && text.All(char.IsAsciiLetterOrDigit);

    private static IEnumerable<string[]> ReadTable(string resource, string firstColumn)
    {
        string text = System.Text.Encoding.UTF8.GetString(ReadResource(resource));
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith(firstColumn + "\t", StringComparison.Ordinal))
            {
                continue;
            }
            yield return line.TrimEnd('\r').Split('\t');
        }
    }

    private static byte[] ReadResource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"release catalog: resource {name} is missing from this build");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}

/// <summary>A storage driver or device type one side knows at an analysed release (drivers.tsv).</summary>
public sealed record CatalogConstant(KataVersion Release, bool Agent, ConstantKind Kind, string Value);
