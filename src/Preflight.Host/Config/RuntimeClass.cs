using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Preflight.Formats;

namespace Preflight.Host.Config;

/// <summary>
/// A containerd runtime class that runs Kata, followed to the files it really uses, each with how it was found.
/// All paths are host paths (under the host root).
/// </summary>
/// <param name="Name">The containerd runtime (CRI handler) name, e.g. "kata-qemu".</param>
/// <param name="RuntimeType">Its `runtime_type`, when set.</param>
/// <param name="DefinedIn">The containerd file that declares it.</param>
/// <param name="Shim">What containerd executes: `runtime_path`, or `containerd-shim-NAME-VERSION` found on its PATH; null when absent.</param>
/// <param name="ShimFoundBy">How <paramref name="Shim"/> was found, or why it was not.</param>
/// <param name="Runtime">The Kata runtime binary behind the shim (the shim itself, a link's target, a wrapper's program); null when unknown.</param>
/// <param name="RuntimeFoundBy">How <paramref name="Runtime"/> was found, or why it was not.</param>
/// <param name="Config">The Kata configuration file this class reads (it may not exist: that is a finding, not a reason to skip).</param>
/// <param name="ConfigFoundBy">Why that file: ConfigPath, KATA_CONF_FILE in a wrapper, or the default paths.</param>
public sealed record RuntimeClass(
    string Name,
    string? RuntimeType,
    string DefinedIn,
    string? Shim,
    string ShimFoundBy,
    string? Runtime,
    string RuntimeFoundBy,
    string Config,
    string ConfigFoundBy);

/// <summary>
/// Follows containerd runtime classes to their shim, runtime binary and Kata configuration the way containerd and
/// the Go shim do, reading files under the host root only and executing nothing.
/// </summary>
public static class RuntimeClassResolver
{
    /// <summary>
    /// PATH of containerd's systemd service (containerd.service sets none, so systemd's default applies); containerd
    /// looks the shim up with exec.LookPath on this PATH.
    /// </summary>
    public static readonly IReadOnlyList<string> ContainerdServicePath =
        ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    /// <summary>Wrappers that call wrappers: a couple of levels are real, more is a loop.</summary>
    private const int MaxWrapperDepth = 4;

    /// <summary>
    /// containerd's shim binary name for a runtime type (runtime/v2/shim BinaryName): the type is split on '.', and
    /// only the last two parts are used, "containerd-shim-PART-PART". So "io.containerd.kata-qemu.v2" gives
    /// "containerd-shim-kata-qemu-v2"; dots are never turned into dashes ("io.containerd.kata.qemu.v2" gives
    /// "containerd-shim-qemu-v2"). Null for a type containerd rejects (fewer than two parts or an empty first part).
    /// </summary>
    public static string? ShimBinaryName(string runtimeType)
    {
        string[] parts = runtimeType.Split('.');
        if (parts.Length < 2 || parts[0].Length == 0)
        {
            return null;
        }
        return $"containerd-shim-{parts[^2]}-{parts[^1]}";
    }

    /// <summary>
    /// Whether a containerd runtime is Kata's: it passes a Kata ConfigPath, or its shim name or runtime_path names
    /// Kata. runc, gVisor and the like are someone else's business.
    /// </summary>
    public static bool IsKata(ContainerdRuntime runtime) =>
        runtime.ConfigPath is not null
        || (runtime.RuntimeType is string type && (ShimBinaryName(type) ?? Path.GetFileName(type)).Contains("kata", StringComparison.Ordinal))
        || (runtime.RuntimePath is string path && Path.GetFileName(path).Contains("kata", StringComparison.Ordinal));

    /// <summary>The Kata runtime classes of the host's containerd, in the order containerd's files declare them.</summary>
    public static IReadOnlyList<RuntimeClass> Resolve(HostRoot root, ContainerdConfig containerd, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        var classes = new List<RuntimeClass>();
        foreach (ContainerdRuntime runtime in containerd.Runtimes)
        {
            if (!IsKata(runtime))
            {
                logger.LogDebug("containerd runtime {Name} ({Type}) is not Kata; skipped", runtime.Name, runtime.RuntimeType ?? "no runtime_type");
                continue;
            }
            RuntimeClass resolved = Resolve(root, runtime, logger);
            logger.LogDebug("runtime class {Name}: shim {Shim} ({ShimFoundBy}), runtime {Runtime} ({RuntimeFoundBy}), configuration {Config} ({ConfigFoundBy})",
                resolved.Name, resolved.Shim, resolved.ShimFoundBy, resolved.Runtime, resolved.RuntimeFoundBy, resolved.Config, resolved.ConfigFoundBy);
            classes.Add(resolved);
        }
        return classes;
    }

    /// <summary>Follows one containerd runtime to its shim, runtime binary and configuration.</summary>
    public static RuntimeClass Resolve(HostRoot root, ContainerdRuntime runtime, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        (string? shim, string shimFoundBy) = FindShim(root, runtime);

        string? runtimeBinary = null;
        string runtimeFoundBy = shimFoundBy;
        string? kataConfFile = null;
        string? wrapper = null;
        if (shim is not null)
        {
            (runtimeBinary, runtimeFoundBy, kataConfFile, wrapper) = FollowShim(root, shim, logger);
        }

        // The Go shim's order (kata-facts: create.go, katautils/config.go): containerd's ConfigPath, else
        // KATA_CONF_FILE, else /etc over the build's default. (runtime-rs is said to prefer the environment over
        // ConfigPath; kata-deploy never sets both for one class, so the Go order is used for all.)
        string config;
        string configFoundBy;
        if (runtime.ConfigPath is string configPath)
        {
            config = configPath;
            configFoundBy = $"runtime class '{runtime.Name}': containerd options.ConfigPath";
        }
        else if (kataConfFile is not null)
        {
            config = kataConfFile;
            configFoundBy = $"runtime class '{runtime.Name}': {KataPaths.KataConfFileVariable} in wrapper {wrapper}";
        }
        else
        {
            config = root.FileExists(KataPaths.EtcConfig) ? KataPaths.EtcConfig : BuildDefault(root, runtimeBinary);
            configFoundBy = $"runtime class '{runtime.Name}': default path (no ConfigPath or {KataPaths.KataConfFileVariable})";
        }

        if (shim is not null && runtimeBinary is null)
        {
            // A wrapper we could not read: fall back to the runtime of the same install as the configuration.
            string configForLookup = root.ResolveHostPath(config) ?? config;
            if (RuntimeLocator.ForConfiguration(root, configForLookup) is string sameInstall)
            {
                runtimeBinary = sameInstall;
                runtimeFoundBy += "; assumed the runtime of the configuration's install";
            }
        }

        return new RuntimeClass(runtime.Name, runtime.RuntimeType, runtime.DefinedIn, shim, shimFoundBy,
            runtimeBinary, runtimeFoundBy, config, configFoundBy);
    }

    /// <summary>
    /// The shipped default a runtime build reads when /etc has none: kata-deploy's static build under /opt/kata, a
    /// distro build under /usr. When the runtime is unknown (a wrapper not understood), the one default that exists.
    /// </summary>
    private static string BuildDefault(HostRoot root, string? runtimeBinary)
    {
        if (runtimeBinary is not null)
        {
            return runtimeBinary.StartsWith("/opt/kata/", StringComparison.Ordinal)
                ? KataPaths.KataDeployDefaultConfig
                : KataPaths.DistroDefaultConfig;
        }
        return !root.FileExists(KataPaths.DistroDefaultConfig) && root.FileExists(KataPaths.KataDeployDefaultConfig)
            ? KataPaths.KataDeployDefaultConfig
            : KataPaths.DistroDefaultConfig;
    }

    /// <summary>containerd's shim resolution (ShimManager.resolveRuntimePath), applied under the host root.</summary>
    private static (string? Shim, string FoundBy) FindShim(HostRoot root, ContainerdRuntime runtime)
    {
        // CRI passes runtime_path to the task (WithRuntimePath) when set; an absolute runtime name is used as is.
        string? explicitPath = runtime.RuntimePath
            ?? (runtime.RuntimeType is string t && t.StartsWith('/') ? t : null);
        if (explicitPath is not null)
        {
            string source = runtime.RuntimePath is not null ? "runtime_path" : "runtime_type path";
            if (!explicitPath.StartsWith('/'))
            {
                return (null, $"{source} {explicitPath} is not absolute (containerd refuses it)");
            }
            return root.FileExists(explicitPath)
                ? (explicitPath, source)
                : (null, $"{source} {explicitPath} does not exist");
        }

        if (runtime.RuntimeType is not string type)
        {
            return (null, "no runtime_type or runtime_path");
        }
        if (type.Contains('/') || ShimBinaryName(type) is not string name)
        {
            return (null, $"runtime_type {type} is not of the form io.containerd.NAME.VERSION");
        }
        foreach (string directory in ContainerdServicePath)
        {
            string candidate = directory + "/" + name;
            if (root.FileExists(candidate))
            {
                return (candidate, $"{name} on containerd's PATH");
            }
        }
        return (null, $"{name} (for runtime_type {type}) not found on containerd's PATH {string.Join(':', ContainerdServicePath)}");
    }

    /// <summary>
    /// From the shim containerd executes to the Kata runtime binary: through symbolic links (under the root) and
    /// simple wrapper scripts, collecting the KATA_CONF_FILE a wrapper sets. Runtime is null when a wrapper is not
    /// understood.
    /// </summary>
    private static (string? Runtime, string FoundBy, string? KataConfFile, string? Wrapper) FollowShim(HostRoot root, string shim, ILogger logger)
    {
        var notes = new List<string>();
        string? kataConfFile = null;
        string? wrapper = null;
        string current = shim;
        for (int depth = 0; depth <= MaxWrapperDepth; depth++)
        {
            string? resolved = root.ResolveHostPath(current);
            if (resolved is null || !root.FileExists(resolved))
            {
                notes.Add($"{current} does not exist");
                return (null, string.Join("; ", notes), kataConfFile, wrapper);
            }
            if (resolved != current)
            {
                notes.Add($"{current} links to {resolved}");
            }
            switch (ReadWrapper(root, resolved, logger))
            {
                case WrapperRead.NotAScript:
                    if (depth == 0 && resolved == shim)
                    {
                        notes.Add("the shim itself");
                    }
                    return (resolved, string.Join("; ", notes), kataConfFile, wrapper);
                case WrapperRead.Understood understood:
                    if (understood.Script.Environment.TryGetValue(KataPaths.KataConfFileVariable, out string? value) && value.Length > 0)
                    {
                        // Wrappers are followed outside in; an inner wrapper setting it again runs last and wins.
                        kataConfFile = value;
                        wrapper = current;
                    }
                    notes.Add($"wrapper script {resolved} runs {understood.Script.ExecPath}");
                    current = understood.Script.ExecPath;
                    continue;
                case WrapperRead.NotUnderstood notUnderstood:
                    notes.Add($"wrapper script {resolved} not understood ({notUnderstood.Why})");
                    return (null, string.Join("; ", notes), kataConfFile, wrapper);
            }
        }
        notes.Add($"more than {MaxWrapperDepth} wrapper scripts");
        return (null, string.Join("; ", notes), kataConfFile, wrapper);
    }

    /// <summary>What reading a shim as a wrapper gave: a binary (not a script), a wrapper understood, or one that was not.</summary>
    private abstract record WrapperRead
    {
        public sealed record NotAScript : WrapperRead;

        public sealed record Understood(ShimScript Script) : WrapperRead;

        public sealed record NotUnderstood(string Why) : WrapperRead;
    }

    /// <summary>Reads a file as a wrapper script when it starts with "#!", bounded in size; never executes it.</summary>
    private static WrapperRead ReadWrapper(HostRoot root, string resolvedHostPath, ILogger logger)
    {
        string real = root.ToReal(resolvedHostPath);
        if (InputFile.Refusal(real) is string refusal)
        {
            return new WrapperRead.NotUnderstood(refusal);
        }
        try
        {
            using FileStream stream = File.OpenRead(real);
            Span<byte> magic = stackalloc byte[2];
            if (stream.ReadAtLeast(magic, 2, throwOnEndOfStream: false) < 2 || magic[0] != (byte)'#' || magic[1] != (byte)'!')
            {
                return new WrapperRead.NotAScript();
            }
            if (stream.Length > ShimScript.MaxBytes)
            {
                logger.LogDebug("wrapper script {Path} is {Bytes} bytes, more than a wrapper ({Max}); not read", resolvedHostPath, stream.Length, ShimScript.MaxBytes);
                return new WrapperRead.NotUnderstood($"{stream.Length} bytes, larger than {ShimScript.MaxBytes}");
            }
            stream.Position = 0;
            using var reader = new StreamReader(stream);
            string text = reader.ReadToEnd();
            if (ShimScript.Parse(text) is ShimScript script)
            {
                return new WrapperRead.Understood(script);
            }
            logger.LogDebug("wrapper script {Path} is not a simple 'KATA_CONF_FILE=... /path/shim \"$@\"' form; not followed", resolvedHostPath);
            return new WrapperRead.NotUnderstood("not a simple exec of one program");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogDebug("cannot read shim {Path}: {Message}", resolvedHostPath, e.Message);
            return new WrapperRead.NotUnderstood("cannot read: " + e.Message);
        }
    }
}
