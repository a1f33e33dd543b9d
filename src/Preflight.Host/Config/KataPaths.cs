namespace Preflight.Host.Config;

/// <summary>Where Kata's packages and kata-deploy install things (kata-facts: "Where things are installed on a host").</summary>
public static class KataPaths
{
    public const string EtcConfig = "/etc/kata-containers/configuration.toml";
    public const string DistroDefaultConfig = "/usr/share/defaults/kata-containers/configuration.toml";
    public const string KataDeployDefaultsDir = "/opt/kata/share/defaults/kata-containers";
    public const string KataDeployDefaultConfig = KataDeployDefaultsDir + "/configuration.toml";
    public const string ContainerdConfig = "/etc/containerd/config.toml";
    public const string KataConfFileVariable = "KATA_CONF_FILE";

    /// <summary>Go shim and kata-runtime as distro packages install them, most likely first.</summary>
    public static readonly IReadOnlyList<string> DistroRuntimes =
    [
        "/usr/bin/containerd-shim-kata-v2",
        "/usr/local/bin/containerd-shim-kata-v2",
        "/usr/bin/kata-runtime",
    ];

    public const string KataDeployGoRuntime = "/opt/kata/bin/containerd-shim-kata-v2";
    public const string KataDeployRustRuntime = "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2";
}
