using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tomlyn.Model;

namespace Preflight.Host.Config;

/// <summary>
/// One entry of containerd's CRI `runtimes` table (a runtime class handler), with the keys that decide which shim
/// runs and which Kata configuration it reads. Empty strings in the file are read as absent, as containerd does.
/// </summary>
/// <param name="Name">The handler name (what a Kubernetes RuntimeClass names in `handler`).</param>
/// <param name="RuntimeType">`runtime_type`, e.g. "io.containerd.kata-qemu.v2".</param>
/// <param name="RuntimePath">`runtime_path`: an absolute shim path that replaces the name lookup.</param>
/// <param name="ConfigPath">`options.ConfigPath`: the Kata configuration the Go shim is told to read.</param>
/// <param name="DefinedIn">The containerd file (host path) that last set one of these keys.</param>
public sealed record ContainerdRuntime(string Name, string? RuntimeType, string? RuntimePath, string? ConfigPath, string DefinedIn);

/// <summary>
/// containerd's configuration as far as runtime classes go: /etc/containerd/config.toml and the files its `imports`
/// pull in, read under the host root.
/// </summary>
/// <remarks>
/// Key names are containerd's (docs/cri/config.md): the CRI runtimes live under
/// `plugins."io.containerd.cri.v1.runtime".containerd.runtimes.NAME` in config version 3 (containerd 2.x),
/// `plugins."io.containerd.grpc.v1.cri".containerd.runtimes.NAME` in version 2, and `plugins.cri.containerd.runtimes`
/// in the unversioned (v1) layout. Each file is read in whichever of these it uses, so a version 2 drop-in imported
/// by a version 3 file (containerd migrates each file) still counts.
/// Imports follow containerd's LoadConfig: breadth first, a file loaded once, a relative path relative to the
/// importing file's directory, a `*` pattern expanded in name order, later files overriding earlier ones key by key
/// (containerd 2.x merge; containerd 1.x replaced a whole plugin section per import, but kata-deploy only writes its
/// drop-in for containerd 2.x, precisely because of that).
/// </remarks>
public sealed record ContainerdConfig(IReadOnlyList<string> Files, IReadOnlyList<ContainerdRuntime> Runtimes)
{
    /// <summary>A host has a handful of drop-ins; anything near this is a loop or a mistake, not a configuration.</summary>
    public const int MaxFiles = 32;

    /// <summary>CRI plugin IDs that hold `containerd.runtimes`, newest layout first.</summary>
    public static readonly IReadOnlyList<string> CriPluginIds = ["io.containerd.cri.v1.runtime", "io.containerd.grpc.v1.cri", "cri"];

    /// <summary>
    /// Reads containerd's configuration at a host path (default /etc/containerd/config.toml), or null when that
    /// file does not exist. A TOML error in any file throws <see cref="HostConfigException"/> naming the file and
    /// line; a missing or unsupported import is logged and skipped.
    /// </summary>
    public static ContainerdConfig? Load(HostRoot root, string hostPath = KataPaths.ContainerdConfig, ILogger? logger = null)
    {
        logger ??= NullLogger.Instance;
        if (!root.FileExists(hostPath))
        {
            return null;
        }

        var files = new List<string>();
        var loaded = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>();
        pending.Enqueue(hostPath);
        var runtimes = new Dictionary<string, RuntimeKeys>(StringComparer.Ordinal);
        var order = new List<string>();

        while (pending.Count > 0)
        {
            string path = pending.Dequeue();
            string? resolved = root.ResolveHostPath(path);
            if (resolved is null || !File.Exists(root.ToReal(resolved)))
            {
                // containerd itself refuses to start on a missing explicit import; that is for it to report.
                logger.LogWarning("containerd import {Path} does not exist under {Root}", path, root.RootDirectory);
                continue;
            }
            if (!loaded.Add(resolved))
            {
                continue;
            }
            if (files.Count == MaxFiles)
            {
                logger.LogWarning("containerd configuration imports more than {Max} files; ignoring {Path} and the rest", MaxFiles, path);
                break;
            }
            files.Add(path);
            TomlTable document = TomlFile.Load(root.ToReal(resolved), path);

            foreach ((string name, TomlTable table) in RuntimeTables(document))
            {
                if (!runtimes.TryGetValue(name, out RuntimeKeys? keys))
                {
                    keys = new RuntimeKeys();
                    runtimes[name] = keys;
                    order.Add(name);
                }
                keys.Apply(table, path);
            }

            foreach (string import in TomlFile.GetStringList(document, "imports"))
            {
                foreach (string expanded in ExpandImport(root, path, import, logger))
                {
                    pending.Enqueue(expanded);
                }
            }
        }

        var result = order.Select(name => runtimes[name].ToRuntime(name)).ToList();
        return new ContainerdConfig(files, result);
    }

    /// <summary>The `runtimes.NAME` tables of one file, in file order, whichever CRI layout it uses.</summary>
    private static IEnumerable<(string Name, TomlTable Table)> RuntimeTables(TomlTable document)
    {
        if (TomlFile.GetTable(document, "plugins") is not TomlTable plugins)
        {
            yield break;
        }
        foreach (string pluginId in CriPluginIds)
        {
            if (TomlFile.GetTable(plugins, pluginId) is TomlTable plugin
                && TomlFile.GetTable(plugin, "containerd") is TomlTable containerd
                && TomlFile.GetTable(containerd, "runtimes") is TomlTable table)
            {
                foreach (KeyValuePair<string, object> entry in table)
                {
                    if (entry.Value is TomlTable runtime)
                    {
                        yield return (entry.Key, runtime);
                    }
                }
            }
        }
    }

    /// <summary>
    /// An `imports` entry as containerd resolves it: cleaned, made absolute against the importing file's directory,
    /// and expanded when it holds `*`. Only a `*` in the last component is supported (the conf.d style every
    /// installer uses); other patterns are logged and skipped rather than guessed at.
    /// </summary>
    private static IEnumerable<string> ExpandImport(HostRoot root, string importingFile, string import, ILogger logger)
    {
        if (string.IsNullOrWhiteSpace(import))
        {
            return [];
        }
        string path = import.StartsWith('/') ? import : Path.GetDirectoryName(importingFile) + "/" + import;
        path = LexicalPath.Clean(path);
        string directory = Path.GetDirectoryName(path) ?? "/";
        string pattern = Path.GetFileName(path);
        if (directory.IndexOfAny(['*', '?', '[']) >= 0 || pattern.IndexOfAny(['?', '[']) >= 0)
        {
            logger.LogDebug("containerd import {Import} in {File}: only '*' in the file name is supported; skipped", import, importingFile);
            return [];
        }
        if (!pattern.Contains('*'))
        {
            return [path];
        }
        return root.ListDirectory(directory)
            .Where(entry => WildcardMatches(pattern, Path.GetFileName(entry)))
            .ToList();
    }

    /// <summary>`*` matches any run of characters (never a '/', since only names are matched); everything else literally.</summary>
    internal static bool WildcardMatches(string pattern, string name)
    {
        string[] pieces = pattern.Split('*');
        if (!name.StartsWith(pieces[0], StringComparison.Ordinal))
        {
            return false;
        }
        int position = pieces[0].Length;
        for (int i = 1; i < pieces.Length - 1; i++)
        {
            int found = name.IndexOf(pieces[i], position, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }
            position = found + pieces[i].Length;
        }
        string last = pieces[^1];
        return pieces.Length == 1
            ? name.Length == position
            : name.Length - position >= last.Length && name.EndsWith(last, StringComparison.Ordinal);
    }

    /// <summary>The keys of one runtime as merged so far: a later file overrides a key it sets, keeps the others.</summary>
    private sealed class RuntimeKeys
    {
        private string? _type;
        private string? _path;
        private string? _configPath;
        private string _definedIn = "";

        public void Apply(TomlTable runtime, string file)
        {
            _definedIn = file;
            if (runtime.ContainsKey("runtime_type"))
            {
                _type = NonEmpty(TomlFile.GetString(runtime, "runtime_type"));
            }
            if (runtime.ContainsKey("runtime_path"))
            {
                _path = NonEmpty(TomlFile.GetString(runtime, "runtime_path"));
            }
            if (TomlFile.GetTable(runtime, "options") is TomlTable options && options.ContainsKey("ConfigPath"))
            {
                _configPath = NonEmpty(TomlFile.GetString(options, "ConfigPath"));
            }
        }

        public ContainerdRuntime ToRuntime(string name) => new(name, _type, _path, _configPath, _definedIn);

        private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }
}
