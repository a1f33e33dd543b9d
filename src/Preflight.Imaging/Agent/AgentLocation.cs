namespace Preflight.Imaging.Agent;

/// <summary>
/// Where the kata-agent binary is in a guest image. Path is as named (by init, the unit's ExecStart, or the
/// default), ResolvedPath has every symbolic link resolved inside the image. Unit is the unit file's path when a
/// systemd unit named it.
/// </summary>
public sealed record AgentLocation(string Path, string ResolvedPath, AgentFoundBy FoundBy, long Length, string? Unit);

/// <summary>What named the agent, in the order the locator asks.</summary>
public enum AgentFoundBy
{
    /// <summary>The agent is init (AGENT_INIT=yes): /sbin/init or /init is, or links to, the agent.</summary>
    Init,

    /// <summary>kata-agent.service's ExecStart.</summary>
    SystemdUnit,

    /// <summary>Nothing named it; /usr/bin/kata-agent is where osbuilder puts it.</summary>
    DefaultPath,
}

public static class AgentFoundByNames
{
    /// <summary>The name reports and logs print: "init", "systemd-unit", "default-path".</summary>
    public static string Name(this AgentFoundBy foundBy) => foundBy switch
    {
        AgentFoundBy.Init => "init",
        AgentFoundBy.SystemdUnit => "systemd-unit",
        AgentFoundBy.DefaultPath => "default-path",
        _ => throw new ArgumentOutOfRangeException(nameof(foundBy), foundBy, "unknown way of finding the agent"),
    };
}
