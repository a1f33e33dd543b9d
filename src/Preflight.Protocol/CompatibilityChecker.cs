using Preflight.Protocol.Walking;

namespace Preflight.Protocol;

/// <summary>
/// Compares what the runtime (the client) and the agent (the server) know of the protocol. Requests flow
/// runtime → agent and are decoded by the agent; responses flow agent → runtime.
/// </summary>
public static class CompatibilityChecker
{
    /// <summary>Findings sorted worst first, then by rule, subject and message.</summary>
    public static IReadOnlyList<Finding> Compare(ProtocolSurface runtime, ProtocolSurface agent, CompatibilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(options);
        return new SurfaceWalker(runtime, agent, options).Run();
    }
}
