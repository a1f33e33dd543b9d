namespace Preflight.Host.Config;

/// <summary>
/// Which runtime binary reads a configuration: the one installed by the same install. kata-deploy puts its
/// configurations and its shims under /opt/kata (runtime-rs has its own), distro packages under /usr.
/// </summary>
public static class RuntimeLocator
{
    /// <summary>The host path of the runtime binary for the configuration, or null when none is installed.</summary>
    public static string? ForConfiguration(HostRoot root, string resolvedConfigHostPath)
    {
        foreach (string candidate in CandidatesFor(resolvedConfigHostPath))
        {
            if (root.FileExists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    public static IEnumerable<string> CandidatesFor(string resolvedConfigHostPath)
    {
        bool kataDeploy = resolvedConfigHostPath.StartsWith("/opt/kata/", StringComparison.Ordinal);
        bool rustRuntime = resolvedConfigHostPath.Contains("/runtime-rs/", StringComparison.Ordinal)
            || resolvedConfigHostPath.Contains("/runtimes/runtime-rs", StringComparison.Ordinal)
            || Path.GetFileName(resolvedConfigHostPath) == "configuration-dragonball.toml";
        if (kataDeploy)
        {
            if (rustRuntime)
            {
                yield return KataPaths.KataDeployRustRuntime;
            }
            yield return KataPaths.KataDeployGoRuntime;
        }
        foreach (string distro in KataPaths.DistroRuntimes)
        {
            yield return distro;
        }
        if (!kataDeploy)
        {
            yield return KataPaths.KataDeployGoRuntime;
        }
    }
}
