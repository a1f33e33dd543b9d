using Preflight.Protocol.Walking;

namespace Preflight.Protocol;

/// <summary>
/// What a comparison actually compared: method pairs whose request and response types were walked, message pairs
/// walked (per direction), and types a compared method reaches that one side leaves undefined.
/// </summary>
public sealed record Coverage(int MethodsCompared, int MessagePairsWalked, int TypesUnresolved);

/// <summary>The findings of one comparison and what it covered.</summary>
public sealed record Comparison(IReadOnlyList<Finding> Findings, Coverage Coverage);

/// <summary>
/// Compares what the runtime (the client) and the agent (the server) know of the protocol. Requests flow
/// runtime → agent and are decoded by the agent; responses flow agent → runtime.
/// </summary>
public static class CompatibilityChecker
{
    /// <summary>Findings sorted worst first, then by rule, subject and message.</summary>
    public static IReadOnlyList<Finding> Compare(ProtocolSurface runtime, ProtocolSurface agent, CompatibilityOptions options) =>
        Run(runtime, agent, options).Findings;

    public static Comparison Run(ProtocolSurface runtime, ProtocolSurface agent, CompatibilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(options);
        var walker = new SurfaceWalker(runtime, agent, options);
        var findings = walker.Run();
        return new Comparison(findings, walker.Coverage);
    }
}
