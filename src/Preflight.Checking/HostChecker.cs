using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Extensions.Logging;
using Preflight.Binaries;
using Preflight.Checking.Policy;
using Preflight.Formats;
using Preflight.Host;
using Preflight.Host.Config;
using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Checking;

/// <summary>What `check` was asked to look at. Image and Runtime are candidate files on this machine (not under Root).</summary>
/// <param name="CandidatesFrom">Where Image and Runtime came from, for the report ("--image/--runtime", a package).</param>
public sealed record CheckRequest(
    HostRoot Root,
    IReadOnlyList<string> Configs,
    string? Image,
    string? Runtime,
    PreflightPolicy Policy,
    string CandidatesFrom = "--image/--runtime")
{
    /// <summary>
    /// Whether the report will show each binary's SHA-256 (the JSON report does; the text report and the package
    /// hooks do not). Without it no binary is hashed, which saves the one pass that reads every byte.
    /// </summary>
    public bool HashBinaries { get; init; } = true;
}

/// <summary>A file as the report names it (a host path, or the candidate's own path) and where to read it here.</summary>
public sealed record LocatedFile(string Display, string? Real)
{
    public static LocatedFile OnHost(HostRoot root, string hostPath) => new(hostPath, root.Resolve(hostPath));

    public static LocatedFile Candidate(string path) => new(path, Path.GetFullPath(path));
}

/// <summary>
/// The `check` pipeline: find the configurations Kata will use, then for every hypervisor section pair its guest
/// image's agent with the runtime binary, compare the protocols, apply the version rule and the policy.
/// Binaries and images are inspected once each, however many configurations share them.
/// </summary>
public sealed class HostChecker
{
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;
    private readonly ConcurrentDictionary<string, Lazy<InspectedAgent>> _agentCache = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<InspectedRuntime>> _runtimeCache = new(StringComparer.Ordinal);

    public HostChecker(ILoggerFactory loggers)
    {
        _loggers = loggers;
        _logger = loggers.CreateLogger<HostChecker>();
    }

    public CheckReport Run(CheckRequest request)
    {
        ReleaseCatalog.LoadInBackground();
        var plan = Plan(request);
        InspectInParallel(plan.Select(step => step.Pair).OfType<PlannedPair>(), request.Policy.Compatibility, request.HashBinaries);
        var targets = plan.Select(step => step.Ready ?? CheckPair(request, step.Pair!)).ToList();
        return Finish(request.Root, targets, request.Policy);
    }

    /// <summary>A pair to compare: a hypervisor section's guest image and the runtime its configuration runs.</summary>
    private sealed record PlannedPair(
        string Config, string FoundBy, string? Hypervisor, LocatedFile Image, LocatedFile? Runtime, RuntimeClass? RuntimeClass);

    /// <summary>
    /// What the report will hold, in its order: a target already known (a configuration that cannot be read, a section
    /// without an image) or a pair still to compare. Nothing is inspected yet.
    /// </summary>
    private List<(CheckTarget? Ready, PlannedPair? Pair)> Plan(CheckRequest request)
    {
        HostRoot root = request.Root;
        IReadOnlyList<ConfigCandidate> candidates = request.Configs.Count > 0
            ? request.Configs.Select(c => new ConfigCandidate(c, "--config")).ToList()
            : new ConfigDiscovery(root, _loggers.CreateLogger<ConfigDiscovery>()).Discover();

        var plan = new List<(CheckTarget? Ready, PlannedPair? Pair)>();
        if (candidates.Count == 0)
        {
            if (request.Image is not null && request.Runtime is not null)
            {
                // A candidate pair checked before anything is installed: no configuration needed.
                plan.Add((null, new PlannedPair("(no Kata configuration on this host)", request.CandidatesFrom, null,
                    LocatedFile.Candidate(request.Image), LocatedFile.Candidate(request.Runtime), null)));
                return plan;
            }
            throw new NothingToInspectException(
                $"no Kata configuration found under {root.RootDirectory} (looked for containerd ConfigPath, " +
                $"{KataPaths.KataConfFileVariable}, {KataPaths.EtcConfig}, {KataPaths.DistroDefaultConfig}, " +
                $"{KataPaths.KataDeployDefaultsDir}/configuration*.toml); name one with --config, or a pair with --image and --runtime");
        }

        foreach (ConfigCandidate candidate in candidates)
        {
            _logger.LogDebug("checking configuration {Config} ({FoundBy})", candidate.HostPath, candidate.FoundBy);
            KataConfiguration config;
            try
            {
                config = KataConfiguration.Load(root, candidate.HostPath, candidate.FoundBy);
            }
            catch (HostConfigException e)
            {
                plan.Add((ConfigProblem(candidate, CheckRules.Make(CheckRules.ConfigUnreadable, candidate.HostPath, e.Message)), null));
                continue;
            }

            // A candidate runtime wins; else the binary the configuration's runtime class really runs; else the
            // runtime installed alongside the configuration.
            LocatedFile? runtime = request.Runtime is string candidateRuntime
                ? LocatedFile.Candidate(candidateRuntime)
                : candidate.RuntimeClass is RuntimeClass runtimeClass
                    ? (runtimeClass.Runtime is string classRuntime ? LocatedFile.OnHost(root, classRuntime) : null)
                    : RuntimeLocator.ForConfiguration(root, config.ResolvedHostPath) is string installed ? LocatedFile.OnHost(root, installed) : null;
            if (config.Hypervisors.Count == 0)
            {
                plan.Add((ConfigProblem(candidate, CheckRules.Make(CheckRules.ImageNotConfigured, candidate.HostPath,
                    "no [hypervisor.*] section in the configuration")), null));
                continue;
            }
            foreach (HypervisorSection section in config.Hypervisors)
            {
                LocatedFile? image = request.Image is string candidateImage
                    ? LocatedFile.Candidate(candidateImage)
                    : section.GuestImage is string configured ? LocatedFile.OnHost(root, configured) : null;
                if (image is null)
                {
                    plan.Add((new CheckTarget(candidate.HostPath, candidate.FoundBy, section.Name, null, null, null,
                        [CheckRules.Make(CheckRules.ImageNotConfigured, $"hypervisor.{section.Name}",
                            "the section sets neither image nor initrd")], false, candidate.RuntimeClass), null));
                    continue;
                }
                plan.Add((null, new PlannedPair(candidate.HostPath, candidate.FoundBy, section.Name, image, runtime, candidate.RuntimeClass)));
            }
        }
        return plan;
    }

    /// <summary>How many images and runtimes are read at once (each holds at most one agent in memory while it is scanned).</summary>
    private static int MaxInspectionsAtOnce => Environment.ProcessorCount;

    /// <summary>
    /// Inspects every distinct image and runtime the pairs name, several at a time: they are independent reads, and a
    /// host's check or a package hook waits for all of them. The results (and any exception, rethrown where the pair
    /// reads it, in report order) stay in the caches.
    /// </summary>
    private void InspectInParallel(IEnumerable<PlannedPair> pairs, CompatibilityOptions options, bool hashes)
    {
        // Images first: their agents must come out of a filesystem or a compressed archive before they are scanned,
        // the longer road, so they should not wait behind a runtime.
        var inspections = new List<Action>();
        var runtimeInspections = new List<Action>();
        var images = new HashSet<string>(StringComparer.Ordinal);
        var runtimes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            if (images.Add(pair.Image.Display))
            {
                inspections.Add(() => InspectAgent(pair.Image, options, hashes));
            }
            if (pair.Runtime is LocatedFile runtime && runtimes.Add(runtime.Display))
            {
                runtimeInspections.Add(() => InspectRuntime(runtime, options, hashes));
            }
        }
        inspections.AddRange(runtimeInspections);
        if (inspections.Count < 2)
        {
            return; // nothing to overlap: the pair inspects in place
        }
        // One item at a time per worker, in list order (the default partitioner would hand out chunks).
        var ordered = Partitioner.Create(inspections, EnumerablePartitionerOptions.NoBuffering);
        Parallel.ForEach(ordered, new ParallelOptions { MaxDegreeOfParallelism = MaxInspectionsAtOnce }, inspect =>
        {
            try
            {
                inspect();
            }
            catch (Exception)
            {
                // Kept by the cache's Lazy and rethrown to the caller when the pair reads it, as without this pass.
            }
        });
    }

    private static CheckReport Finish(HostRoot root, List<CheckTarget> targets, PreflightPolicy policy)
    {
        var judged = targets
            .Select(t => t with { Findings = t.Findings.Select(policy.Apply).ToList() })
            .ToList();
        return new CheckReport(root.RootDirectory, judged);
    }

    private static CheckTarget ConfigProblem(ConfigCandidate candidate, Finding finding) =>
        new(candidate.HostPath, candidate.FoundBy, null, null, null, null, [finding], false, candidate.RuntimeClass);

    private CheckTarget CheckPair(CheckRequest request, PlannedPair pair)
    {
        var (config, foundBy, hypervisor, imageFile, runtimeFile, runtimeClass) = pair;
        CompatibilityOptions options = request.Policy.Compatibility;
        var findings = new List<Finding>();

        InspectedAgent agent = InspectAgent(imageFile, options, request.HashBinaries);
        findings.AddRange(agent.Problems);

        InspectedRuntime? runtime = null;
        if (runtimeFile is null)
        {
            findings.Add(runtimeClass is null
                ? CheckRules.Make(CheckRules.RuntimeNotFound, "runtime",
                    "no containerd-shim-kata-v2 or kata-runtime installed for this configuration; name one with --runtime")
                : CheckRules.Make(CheckRules.RuntimeNotFound, $"runtime class {runtimeClass.Name}",
                    $"containerd cannot start this class's runtime: {runtimeClass.RuntimeFoundBy}; name one with --runtime"));
        }
        else
        {
            runtime = InspectRuntime(runtimeFile, options, request.HashBinaries);
            findings.AddRange(runtime.Problems);
        }

        ImageInspection? image = agent.Image;
        ImageSummary? imageSummary = image is null ? null : new ImageSummary(
            imageFile.Display, image.Layout, image.FileSystem, image.Agent?.ResolvedPath, image.Agent?.FoundBy, image.OsBuilder?.AgentVersion);
        if (agent.Side is not Side agentSide || runtime?.Side is not Side runtimeSide)
        {
            return new CheckTarget(config, foundBy, hypervisor, imageSummary, null, null, findings, false, runtimeClass);
        }

        findings.AddRange(agentSide.Resolved.Findings);
        findings.AddRange(runtimeSide.Resolved.Findings);
        Comparison comparison;
        try
        {
            comparison = CompatibilityChecker.Run(runtimeSide.Surface, agentSide.Surface, options);
        }
        catch (ProtocolFormatException e)
        {
            // Over a limit of the walk: this pair is not checked, and says why; the host's other pairs still are.
            findings.Add(PairCheck.Uncomparable($"{agentSide.Summary.Path} in {imageFile.Display}", runtimeSide.Summary.Path, e));
            return new CheckTarget(config, foundBy, hypervisor, imageSummary, agentSide.Summary, runtimeSide.Summary, findings, false, runtimeClass);
        }
        findings.AddRange(comparison.Findings);
        if (VersionPolicy.Evaluate(agentSide.Facts.Version?.Version, runtimeSide.Facts.Version?.Version, request.Policy) is Finding versionFinding)
        {
            findings.Add(versionFinding);
        }
        return new CheckTarget(config, foundBy, hypervisor, imageSummary, agentSide.Summary, runtimeSide.Summary, findings, true, runtimeClass)
        {
            Coverage = comparison.Coverage,
        };
    }

    /// <summary>
    /// Every guest image's agent against every runtime binary that <see cref="Run"/> read on this host, not only the
    /// pairs its configurations make: which image would work with which installed runtime. Nothing is read again;
    /// inputs that could not be read are left out. Labels give each one's version and fingerprint.
    /// </summary>
    /// <param name="progress">Told after each cell compared; null: nobody is watching.</param>
    public MatrixResult MatrixOfInspected(PreflightPolicy policy, IProgress<MatrixProgress>? progress = null)
    {
        var agents = Inspected(_agentCache).Where(a => a.Value.Side is not null).ToList();
        var runtimes = Inspected(_runtimeCache).Where(r => r.Value.Side is not null).ToList();
        int total = agents.Count * runtimes.Count;
        var cells = new List<MatrixCell>(total);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (runtimePath, runtime) in runtimes)
        {
            Side runtimeSide = runtime.Side!;
            labels[runtimePath] = $"runtime {runtimeSide.Summary.Version ?? "version unknown"}, {runtimeSide.Summary.FingerprintBasis}";
            foreach (var (imagePath, agent) in agents)
            {
                Side agentSide = agent.Side!;
                labels[imagePath] = $"agent {agentSide.Summary.Version ?? "version unknown"}, {agentSide.Summary.FingerprintBasis}";
                cells.Add(MatrixCellOf(runtimePath, runtimeSide, imagePath, agentSide, policy));
                progress?.Report(new MatrixProgress(MatrixStage.Comparing, cells.Count, total));
            }
        }
        return new MatrixResult(cells, labels);
    }

    /// <summary>The files a cache holds a result for (not an exception), by path.</summary>
    private static IEnumerable<KeyValuePair<string, T>> Inspected<[DynamicallyAccessedMembers(LazyMembers)] T>(ConcurrentDictionary<string, Lazy<T>> cache) =>
        cache.OrderBy(entry => entry.Key, StringComparer.Ordinal)
            .Where(entry => entry.Value.IsValueCreated)
            .Select(entry => KeyValuePair.Create(entry.Key, entry.Value.Value));

    private static MatrixCell MatrixCellOf(string runtimePath, Side runtimeSide, string imagePath, Side agentSide, PreflightPolicy policy)
    {
        var findings = new List<Finding>(agentSide.Resolved.Findings.Concat(runtimeSide.Resolved.Findings));
        try
        {
            findings.AddRange(CompatibilityChecker.Compare(runtimeSide.Surface, agentSide.Surface, policy.Compatibility));
        }
        catch (ProtocolFormatException e)
        {
            // Over a limit of the walk: this cell is not checked, and says why; the other cells still are.
            findings.Add(PairCheck.Uncomparable($"{agentSide.Summary.Path} in {imagePath}", runtimePath, e));
            return new MatrixCell(runtimePath, imagePath, Verdict.Unchecked, findings.Select(policy.Apply).ToList());
        }
        if (VersionPolicy.Evaluate(agentSide.Facts.Version?.Version, runtimeSide.Facts.Version?.Version, policy) is Finding version)
        {
            findings.Add(version);
        }
        var judged = findings.Select(policy.Apply).ToList();
        return new MatrixCell(runtimePath, imagePath, VerdictCalculator.From(judged), judged);
    }

    /// <summary>A binary's facts, its resolved protocol and the summary reports print, computed once per file.</summary>
    private sealed record Side(BinaryFacts Facts, ResolvedProtocol Resolved, SideSummary Summary)
    {
        public ProtocolSurface Surface => Resolved.Surface;

        public static Side From(string path, string side, BinaryFacts facts, CompatibilityOptions options)
        {
            ResolvedProtocol resolved = ProtocolResolver.ForBinary(facts, side, options);
            return new Side(facts, resolved, SideSummary.From(path, facts, resolved));
        }
    }

    /// <summary>What one guest image gave: the inspection, the agent's side when there is one, and what went wrong.</summary>
    private sealed record InspectedAgent(ImageInspection? Image, Side? Side, IReadOnlyList<Finding> Problems);

    private sealed record InspectedRuntime(Side? Side, IReadOnlyList<Finding> Problems);

    // Lazy<T> asks the trimmer to keep T's parameterless constructor (which these records do not have, and which
    // the Lazy never calls: it is always given the factory).
    private const DynamicallyAccessedMemberTypes LazyMembers = DynamicallyAccessedMemberTypes.PublicParameterlessConstructor;

    /// <summary>
    /// One inspection per file (by its host path), however many configurations name it and however many threads ask:
    /// the Lazy runs it once, and keeps an exception to rethrow to each caller.
    /// </summary>
    private static T Cached<[DynamicallyAccessedMembers(LazyMembers)] T>(ConcurrentDictionary<string, Lazy<T>> cache, string key, Func<T> inspect) =>
        cache.GetOrAdd(key, _ => new Lazy<T>(inspect, LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private InspectedAgent InspectAgent(LocatedFile file, CompatibilityOptions options, bool hash) =>
        Cached(_agentCache, file.Display, () => InspectAgentUncached(file, options, hash));

    private InspectedAgent InspectAgentUncached(LocatedFile file, CompatibilityOptions options, bool hash)
    {
        string imageHostPath = file.Display;
        InspectedAgent result;
        if (file.Real is not string real || !File.Exists(real))
        {
            result = new InspectedAgent(null, null,
                [CheckRules.Make(CheckRules.ImageUnreadable, imageHostPath, "the configured guest image does not exist")]);
        }
        else
        {
            try
            {
                _logger.LogDebug("opening guest image {Image} ({Real})", imageHostPath, real);
                ImageInspection inspection = ImageInspector.Inspect(real, imageHostPath, options.ConstantValues.ToList(), hashAgent: hash);
                _logger.LogDebug("image {Image}: layout {Layout}, filesystem {FileSystem}, agent {Agent} (found by {FoundBy}); read {Bytes} bytes",
                    imageHostPath, inspection.Layout.Name(), inspection.FileSystem.Name(), inspection.Agent?.ResolvedPath, inspection.Agent?.FoundBy.Name(), inspection.BytesRead);
                result = inspection.AgentFacts is BinaryFacts facts
                    ? new InspectedAgent(inspection, Side.From(inspection.Agent?.ResolvedPath ?? imageHostPath, "agent", facts, options), [])
                    : new InspectedAgent(inspection, null, [CheckRules.Make(CheckRules.AgentNotFound, imageHostPath,
                        $"no kata-agent in the {inspection.FileSystem.Name()} filesystem of this {inspection.Layout.Name()} image")]);
            }
            catch (Exception e) when (e is ImageFormatException or BinaryFormatException or ProtocolFormatException
                or IOException or UnauthorizedAccessException)
            {
                result = new InspectedAgent(null, null, [CheckRules.Make(CheckRules.ImageUnreadable, imageHostPath, e.Message)]);
            }
        }
        return result;
    }

    private InspectedRuntime InspectRuntime(LocatedFile file, CompatibilityOptions options, bool hash) =>
        Cached(_runtimeCache, file.Display, () => InspectRuntimeUncached(file, options, hash));

    private InspectedRuntime InspectRuntimeUncached(LocatedFile file, CompatibilityOptions options, bool hash)
    {
        string runtimeHostPath = file.Display;
        InspectedRuntime result;
        if (file.Real is not string real || !File.Exists(real))
        {
            result = new InspectedRuntime(null, [CheckRules.Make(CheckRules.RuntimeNotFound, runtimeHostPath, "the runtime binary does not exist")]);
        }
        else if (InputFile.Refusal(real) is string refusal)
        {
            // A FIFO or device where the runtime should be would block the read forever: refused unopened.
            result = new InspectedRuntime(null, [CheckRules.Make(CheckRules.RuntimeUnreadable, runtimeHostPath, refusal)]);
        }
        else
        {
            try
            {
                _logger.LogDebug("reading runtime {Runtime} ({Real})", runtimeHostPath, real);
                BinaryFacts facts = BinaryInspector.InspectFile(real, options.ConstantValues.ToList(), hash);
                result = new InspectedRuntime(Side.From(runtimeHostPath, "runtime", facts, options), []);
            }
            catch (Exception e) when (e is BinaryFormatException or ProtocolFormatException or IOException or UnauthorizedAccessException)
            {
                result = new InspectedRuntime(null, [CheckRules.Make(CheckRules.RuntimeUnreadable, runtimeHostPath, e.Message)]);
            }
        }
        return result;
    }
}

/// <summary>Nothing on the host could be inspected at all (exit 3).</summary>
public sealed class NothingToInspectException(string message) : PreflightInputException("host", message, message);
