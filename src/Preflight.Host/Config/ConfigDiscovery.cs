using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Preflight.Host.Config;

/// <summary>
/// A configuration file Kata would use on this host, and why we think so. RuntimeClass is set when a containerd
/// runtime class reads it: that class's shim is then the runtime to pair it with.
/// </summary>
public sealed record ConfigCandidate(string HostPath, string FoundBy, RuntimeClass? RuntimeClass = null);

/// <summary>
/// Finds the Kata configuration files the host's runtimes will read. First every Kata runtime class of containerd,
/// followed to the configuration its shim reads (ConfigPath, a wrapper's KATA_CONF_FILE, or the defaults); one
/// candidate per class, since two classes may run different shims with one file. Then, for files no class claimed,
/// Kata's own search order: KATA_CONF_FILE, /etc over the build's default, then kata-deploy's per-hypervisor files.
/// The same file reached twice (configuration.toml is often a link to a per-hypervisor file) is listed once, under
/// the first reason.
/// </summary>
public sealed class ConfigDiscovery
{
    private readonly HostRoot _root;
    private readonly ILogger _logger;
    private readonly Func<string, string?> _environment;

    public ConfigDiscovery(HostRoot root, ILogger<ConfigDiscovery>? logger = null, Func<string, string?>? environment = null)
    {
        _root = root;
        _logger = logger ?? NullLogger<ConfigDiscovery>.Instance;
        _environment = environment ?? Environment.GetEnvironmentVariable;
    }

    public IReadOnlyList<ConfigCandidate> Discover()
    {
        var found = new List<ConfigCandidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);

        void Add(string hostPath, string foundBy)
        {
            string? resolved = _root.ResolveHostPath(hostPath);
            if (resolved is null || !File.Exists(_root.ToReal(resolved)))
            {
                _logger.LogDebug("no configuration at {Path} ({FoundBy})", hostPath, foundBy);
                return;
            }
            if (seen.Add(resolved))
            {
                _logger.LogDebug("configuration {Path} (-> {Resolved}) found by {FoundBy}", hostPath, resolved, foundBy);
                found.Add(new ConfigCandidate(hostPath, foundBy));
            }
        }

        foreach (RuntimeClass runtimeClass in RuntimeClasses())
        {
            // Listed even when the file is missing: a class pointing at nothing fails at sandbox start, and the
            // check should say so rather than stay silent.
            found.Add(new ConfigCandidate(runtimeClass.Config, runtimeClass.ConfigFoundBy, runtimeClass));
            if (_root.ResolveHostPath(runtimeClass.Config) is string resolved)
            {
                seen.Add(resolved);
            }
        }

        if (_environment(KataPaths.KataConfFileVariable) is { Length: > 0 } fromEnvironment)
        {
            Add(fromEnvironment, KataPaths.KataConfFileVariable);
        }

        // /etc overrides the build's default for every Go shim build, distro or kata-deploy.
        if (_root.FileExists(KataPaths.EtcConfig))
        {
            Add(KataPaths.EtcConfig, "default path (/etc overrides the shipped default)");
        }
        else
        {
            Add(KataPaths.DistroDefaultConfig, "default path (distro packages)");
            Add(KataPaths.KataDeployDefaultConfig, "default path (kata-deploy)");
        }

        foreach (string perHypervisor in KataDeployPerHypervisorConfigs())
        {
            Add(perHypervisor, "kata-deploy runtime class configuration");
        }

        return found;
    }

    private IEnumerable<string> KataDeployPerHypervisorConfigs()
    {
        foreach (string path in _root.ListDirectory(KataPaths.KataDeployDefaultsDir))
        {
            if (IsPerHypervisorFile(path))
            {
                yield return path;
            }
        }
        foreach (string runtimeDir in _root.ListDirectory(KataPaths.KataDeployDefaultsDir + "/runtimes"))
        {
            foreach (string path in _root.ListDirectory(runtimeDir))
            {
                if (IsPerHypervisorFile(path))
                {
                    yield return path;
                }
            }
        }
    }

    private static bool IsPerHypervisorFile(string path)
    {
        string name = Path.GetFileName(path);
        return name.StartsWith("configuration-", StringComparison.Ordinal) && name.EndsWith(".toml", StringComparison.Ordinal);
    }

    /// <summary>
    /// The Kata runtime classes of containerd's configuration (with its imports). A broken containerd config is
    /// logged (file and line) and skipped: containerd itself will refuse it, and the rest of the host can still be
    /// checked.
    /// </summary>
    private IReadOnlyList<RuntimeClass> RuntimeClasses()
    {
        try
        {
            ContainerdConfig? containerd = ContainerdConfig.Load(_root, KataPaths.ContainerdConfig, _logger);
            return containerd is null ? [] : RuntimeClassResolver.Resolve(_root, containerd, _logger);
        }
        catch (HostConfigException e)
        {
            _logger.LogWarning("ignoring containerd configuration: {Message}", e.Message);
            return [];
        }
    }
}
