using Tomlyn.Model;

namespace Preflight.Host.Config;

/// <summary>One `[hypervisor.NAME]` section: the guest image (disk image or initrd) it boots.</summary>
public sealed record HypervisorSection(string Name, string? Path, string? Kernel, string? Image, string? Initrd)
{
    /// <summary>The guest image Kata boots for this hypervisor: `image` if set, else `initrd`.</summary>
    public string? GuestImage => !string.IsNullOrEmpty(Image) ? Image : (!string.IsNullOrEmpty(Initrd) ? Initrd : null);
}

/// <summary>
/// A Kata runtime configuration as Kata would apply it: the file, its drop-ins from `config.d/`, and the
/// hypervisor sections after the drop-ins were merged on top.
/// </summary>
public sealed record KataConfiguration(
    string HostPath,
    string ResolvedHostPath,
    string FoundBy,
    IReadOnlyList<string> DropIns,
    IReadOnlyList<HypervisorSection> Hypervisors)
{
    /// <summary>Reads the file at a host path (under the root) and applies the `config.d/` drop-ins beside it.</summary>
    public static KataConfiguration Load(HostRoot root, string hostPath, string foundBy)
    {
        string resolved = root.ResolveHostPath(hostPath)
            ?? throw new HostConfigException(hostPath, "configuration file does not exist");
        TomlTable merged = TomlFile.Load(root.ToReal(resolved), hostPath);

        // Kata applies every file of config.d/ beside the *chosen* file (after links), in name order.
        string dropInDir = System.IO.Path.GetDirectoryName(resolved) + "/config.d";
        var dropIns = root.ListDirectory(dropInDir).Where(p => p.EndsWith(".toml", StringComparison.Ordinal)).ToList();
        foreach (string dropIn in dropIns)
        {
            string real = root.Resolve(dropIn) ?? throw new HostConfigException(dropIn, "drop-in does not exist");
            Merge(merged, TomlFile.Load(real, dropIn));
        }

        return new KataConfiguration(hostPath, resolved, foundBy, dropIns, ReadHypervisors(merged));
    }

    private static IReadOnlyList<HypervisorSection> ReadHypervisors(TomlTable document)
    {
        TomlTable? hypervisors = TomlFile.GetTable(document, "hypervisor");
        if (hypervisors is null)
        {
            return [];
        }
        var sections = new List<HypervisorSection>();
        foreach (KeyValuePair<string, object> entry in hypervisors)
        {
            if (entry.Value is TomlTable section)
            {
                sections.Add(new HypervisorSection(
                    entry.Key,
                    TomlFile.GetString(section, "path"),
                    TomlFile.GetString(section, "kernel"),
                    TomlFile.GetString(section, "image"),
                    TomlFile.GetString(section, "initrd")));
            }
        }
        return sections.OrderBy(s => s.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>Drop-ins override key by key, recursing into tables (as Kata's drop-in loader does).</summary>
    private static void Merge(TomlTable target, TomlTable overlay)
    {
        foreach (KeyValuePair<string, object> entry in overlay)
        {
            if (entry.Value is TomlTable overlayTable && target.TryGetValue(entry.Key, out object? existing) && existing is TomlTable targetTable)
            {
                Merge(targetTable, overlayTable);
            }
            else
            {
                target[entry.Key] = entry.Value;
            }
        }
    }
}
