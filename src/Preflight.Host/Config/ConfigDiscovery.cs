using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tomlyn.Model;

namespace Preflight.Host.Config;

/// <summary>A configuration file Kata would use on this host, and why we think so.</summary>
public sealed record ConfigCandidate(string HostPath, string FoundBy);

/// <summary>
/// Finds the Kata configuration files the host's runtimes will read, following Kata's own search order:
/// containerd's per-runtime ConfigPath, KATA_CONF_FILE, /etc over the build's default, then kata-deploy's
/// per-hypervisor files (used by its runtime classes). The same file reached twice (configuration.toml is often a
/// link to a per-hypervisor file) is listed once, under the first reason.
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

        foreach ((string runtimeName, string configPath) in ContainerdConfigPaths())
        {
            Add(configPath, $"containerd runtime '{runtimeName}' ConfigPath");
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
    /// ConfigPath entries of containerd's runtimes (CRI plugin, v2 and v3 config layouts alike): any
    /// `...runtimes.NAME.options.ConfigPath`. A broken containerd config is logged and skipped: it is not ours to judge.
    /// </summary>
    private IEnumerable<(string Runtime, string ConfigPath)> ContainerdConfigPaths()
    {
        string? real = _root.Resolve(KataPaths.ContainerdConfig);
        if (real is null || !File.Exists(real))
        {
            return [];
        }
        try
        {
            var results = new List<(string, string)>();
            CollectRuntimes(TomlFile.Load(real, KataPaths.ContainerdConfig), results, depth: 0);
            return results;
        }
        catch (HostConfigException e)
        {
            _logger.LogWarning("ignoring containerd configuration: {Message}", e.Message);
            return [];
        }
    }

    private static void CollectRuntimes(TomlTable table, List<(string, string)> results, int depth)
    {
        if (depth > 16)
        {
            return;
        }
        foreach (KeyValuePair<string, object> entry in table)
        {
            if (entry.Value is not TomlTable child)
            {
                continue;
            }
            if (entry.Key == "runtimes")
            {
                foreach (KeyValuePair<string, object> runtime in child)
                {
                    if (runtime.Value is TomlTable runtimeTable
                        && TomlFile.GetTable(runtimeTable, "options") is TomlTable options
                        && TomlFile.GetString(options, "ConfigPath") is { Length: > 0 } configPath)
                    {
                        results.Add((runtime.Key, configPath));
                    }
                }
            }
            else
            {
                CollectRuntimes(child, results, depth + 1);
            }
        }
    }
}
