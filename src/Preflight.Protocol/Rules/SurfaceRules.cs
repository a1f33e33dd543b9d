using Preflight.Binaries;
using Preflight.Protocol.Walking;

namespace Preflight.Protocol.Rules;

/// <summary>A side with no descriptors and no method strings: nothing about it can be checked, which is not a pass.</summary>
internal sealed class ProtocolUnverified : ISurfaceRule
{
    /// <summary>Also what the walker reports when no method could be compared on both sides.</summary>
    public static RuleInfo Rule { get; } = new("PROTOCOL_UNVERIFIED", Severity.Warn, Directions.Both,
        "One side shows no protocol facts at all (no descriptors, no method strings): nothing could be compared.");

    public RuleInfo Info => Rule;

    public void Check(SurfacePair pair, FindingSink sink)
    {
        if (pair.Runtime.IsEmpty)
        {
            sink.Add(Info, "runtime", "the runtime shows no protocol descriptors and no method strings, and states no Kata release the catalog knows: its protocol could not be checked");
        }
        if (pair.Agent.IsEmpty)
        {
            sink.Add(Info, "agent", "the agent shows no protocol descriptors and no method strings, and states no Kata release the catalog knows: its protocol could not be checked");
        }
    }
}

/// <summary>Kata 1.x speaks gRPC over HTTP/2, 2.x and later speak ttrpc; a mixed pair cannot exchange a single call.</summary>
internal sealed class TransportMismatch : ISurfaceRule
{
    public RuleInfo Info { get; } = new("TRANSPORT_MISMATCH", Severity.Block, Directions.Both,
        "One side speaks gRPC (Kata 1.x), the other ttrpc (2.x and later): they cannot talk at all, whatever the schemas say.");

    public void Check(SurfacePair pair, FindingSink sink)
    {
        if (pair.Runtime.Transport.Name() is string runtime && pair.Agent.Transport.Name() is string agent && runtime != agent)
        {
            sink.Add(Info, "transport",
                $"the runtime speaks {runtime} and the agent speaks {agent}: no call can succeed (Kata 1.x uses gRPC, 2.x and later ttrpc)");
        }
    }
}

/// <summary>
/// Storage drivers and device types are free-form strings no schema shows. When the runtime binary holds such a
/// constant and the agent binary provably does not, the agent will reject it (the "ephemeral" failure of
/// kata-containers/agent#272). It rests only on ConstantEvidence.Present from both binaries, which the binary
/// scanner decides with accidental substrings ruled out; the message repeats that evidence.
/// </summary>
internal sealed class DriverUnknownToAgent : ISurfaceRule
{
    public RuleInfo Info { get; } = new("DRIVER_UNKNOWN_TO_AGENT", Severity.Warn, Directions.RuntimeToAgent,
        "The runtime binary carries a storage driver or device type constant the agent binary lacks: the agent will reject it when sent.");

    public void Check(SurfacePair pair, FindingSink sink)
    {
        foreach (var constant in pair.Options.Constants)
        {
            var runtime = Find(pair.Runtime, constant.Value);
            var agent = Find(pair.Agent, constant.Value);
            if (runtime is not { Present: true } || agent is null || agent.Present)
            {
                continue;
            }
            string kind = constant.Kind == ConstantKind.StorageDriver ? "storage driver" : "device type";
            string runtimeSays = runtime.Evidence == "release-catalog"
                ? $"the runtime's release sends the {kind} \"{constant.Value}\" (release catalog)"
                : $"the runtime binary contains the {kind} \"{constant.Value}\" ({runtime.Evidence}, {runtime.Occurrences} occurrence(s))";
            string agentSays = agent.Evidence == "release-catalog"
                ? "the agent's release does not handle it (release catalog; the agent binary shows no driver constants)"
                : $"the agent binary does not ({agent.Evidence}, {agent.Occurrences} occurrence(s))";
            sink.Add(Info, constant.Value, $"{runtimeSays} but {agentSays}: if the runtime sends it, the agent rejects it; {constant.Meaning}");
        }
    }

    private static Binaries.ConstantEvidence? Find(ProtocolSurface surface, string value) =>
        surface.Constants.FirstOrDefault(c => c.Value == value);
}

/// <summary>
/// Methods paired by name only (no types on one side even after borrowing the other side's signature): method rules
/// ran, field rules could not. The walker reports it once per service and side.
/// </summary>
internal static class FieldsUnverified
{
    public static RuleInfo Rule { get; } = new("FIELDS_UNVERIFIED", Severity.Warn, Directions.Both,
        "A side knows methods only by name (no descriptors of their types): method rules ran, field rules could not.");
}
