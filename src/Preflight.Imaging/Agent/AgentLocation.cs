namespace Preflight.Imaging.Agent;

/// <summary>
/// Where the kata-agent binary is in a guest image. Path is as named (by init, the unit's ExecStart, or the
/// default), ResolvedPath has every symbolic link resolved inside the image. FoundBy is "init", "systemd-unit" or
/// "default-path"; Unit is the unit file's path when a systemd unit named it.
/// </summary>
public sealed record AgentLocation(string Path, string ResolvedPath, string FoundBy, long Length, string? Unit);
