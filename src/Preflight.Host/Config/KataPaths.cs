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

    public const string DistroShim = "/usr/bin/containerd-shim-kata-v2";
    public const string DistroRuntimeCli = "/usr/bin/kata-runtime";

    /// <summary>Go shim and kata-runtime as distro packages install them, most likely first.</summary>
    public static readonly IReadOnlyList<string> DistroRuntimes =
    [
        DistroShim,
        "/usr/local/bin/containerd-shim-kata-v2",
        DistroRuntimeCli,
    ];

    public const string KataDeployGoRuntime = "/opt/kata/bin/containerd-shim-kata-v2";
    public const string KataDeployRustRuntime = "/opt/kata/runtime-rs/bin/containerd-shim-kata-v2";

    /// <summary>Guest images: distro packages, kata-deploy / kata-static.</summary>
    public const string DistroImageDir = "/usr/share/kata-containers";
    public const string KataDeployImageDir = "/opt/kata/share/kata-containers";
}
