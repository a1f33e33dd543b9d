using Preflight.Protocol.Walking;

namespace Preflight.Protocol.Rules;

/// <summary>
/// An expected service absent on one side. Missing on the agent blocks, but only where its absence is proven: the
/// agent registers its methods as path strings and no path of this service occurs in it. Missing on the runtime
/// only means its binary shows no client for it, which may be incomplete evidence, so it warns.
/// </summary>
internal sealed class ServiceMissing : IServiceRule
{
    public RuleInfo Info { get; } = new("SERVICE_MISSING", Severity.Block, Directions.Both,
        "An expected service is proven absent on the agent (renamed package, say): every call to it fails.");

    public void Check(ServicePresence pair, FindingSink sink)
    {
        if (pair.Runtime is not null && pair.Agent is null && pair.AgentPresence == Presence.Absent)
        {
            sink.Add(Info, pair.Name,
                $"the runtime uses {pair.Name} but the agent does not serve it (the agent registers its methods as path strings " +
                $"and no path of {pair.Name} occurs in it): every call to it fails");
        }
        else if (pair.Runtime is null && pair.Agent is not null)
        {
            sink.Add(Info, pair.Name,
                $"the agent serves {pair.Name} but the runtime shows no client for it (it does not use it, or its binary hides it)",
                Severity.Warn);
        }
    }
}

/// <summary>
/// An expected service the agent shows nothing of, where nothing proves it absent either (Kata 3.2+ agents carry
/// no health.proto and build service names at run time): not compared, which is not a pass.
/// </summary>
internal sealed class ServiceUnverified : IServiceRule
{
    public RuleInfo Info { get; } = new("SERVICE_UNVERIFIED", Severity.Warn, Directions.Both,
        "The runtime uses a service the agent's binary shows nothing of, and nothing proves it absent: it was not compared.");

    public void Check(ServicePresence pair, FindingSink sink)
    {
        if (pair.Runtime is not null && pair.Agent is null && pair.AgentPresence == Presence.Unknown)
        {
            sink.Add(Info, pair.Name,
                $"the agent's binary shows no descriptor or method path of {pair.Name} and builds its method names at run time, " +
                "so whether it serves it could not be verified");
        }
    }
}

/// <summary>
/// Methods of a compared service whose presence on the agent could not be decided, said once per service rather
/// than per method; the walker reports it.
/// </summary>
internal static class RpcsUnverified
{
    public static RuleInfo Rule { get; } = new("RPCS_UNVERIFIED", Severity.Warn, Directions.Request,
        "Some methods the runtime knows could be neither found nor proven absent on the agent (or the runtime's own method list is partial): they were not compared.");
}

/// <summary>Message types a compared method reaches that one side does not define; the walker reports it once per side.</summary>
internal static class TypesUnresolved
{
    public static RuleInfo Rule { get; } = new("TYPES_UNRESOLVED", Severity.Warn, Directions.Both,
        "A message type the compared methods reach is not defined on one side (a descriptor left out): its fields were not compared.");
}

/// <summary>
/// A method the runtime's client has and the agent provably lacks: its complete method list (a service descriptor,
/// or its release's protocol) does not name it, or its registration strings do not. Required methods block.
/// </summary>
internal sealed class RpcMissing : IAbsentMethodsRule
{
    public RuleInfo Info { get; } = new("RPC_MISSING", Severity.Warn, Directions.Request,
        "The runtime has a method the agent provably lacks: calls fail with Unimplemented / \"does not exist\"; blocks when the method is required.");

    public void Check(MethodsAbsentOnAgent absent, FindingSink sink)
    {
        foreach (var method in absent.Methods)
        {
            string subject = MethodsAbsentOnAgent.SubjectOf(method);
            if (absent.IsRequired(method))
            {
                sink.Add(Info, subject,
                    $"the agent does not serve {subject}, which the runtime's release calls on every sandbox ({absent.AbsenceProof})", Severity.Block);
            }
            else
            {
                sink.Add(Info, subject,
                    $"the runtime knows {subject} but the agent does not serve it ({absent.AbsenceProof}): if the runtime calls it, the call fails");
            }
        }
    }
}

internal sealed class RpcStreamingChanged : IMethodRule
{
    public RuleInfo Info { get; } = new("RPC_STREAMING_CHANGED", Severity.Block, Directions.Both,
        "A method is streaming on one side and unary on the other: calls cannot work.");

    public void Check(MethodPair pair, FindingSink sink)
    {
        if (!pair.BothHaveTypes)
        {
            return;
        }
        var (runtime, agent) = (pair.Runtime, pair.Agent);
        if (runtime.ClientStreaming != agent.ClientStreaming || runtime.ServerStreaming != agent.ServerStreaming)
        {
            sink.Add(Info, pair.Subject,
                $"{pair.Subject} is {Shape(runtime)} on the runtime and {Shape(agent)} on the agent");
        }
    }

    private static string Shape(MethodSurface m) => (m.ClientStreaming, m.ServerStreaming) switch
    {
        (false, false) => "unary",
        (true, false) => "client-streaming",
        (false, true) => "server-streaming",
        _ => "bidirectional-streaming",
    };
}

/// <summary>
/// The request type has another name and is not wire-compatible (a block was found inside it). A different name
/// with the same structure (grpc.Interface → types.Interface at 1.4.0) is compatible and reported nowhere.
/// </summary>
internal sealed class RpcRequestChanged : IMethodRule
{
    public RuleInfo Info { get; } = new("RPC_REQUEST_CHANGED", Severity.Block, Directions.Request,
        "A method's request type differs between the sides and is not wire-compatible.");

    public void Check(MethodPair pair, FindingSink sink)
    {
        if (pair.BothHaveTypes && pair.Runtime.InputType != pair.Agent.InputType && pair.RequestSeverity == Severity.Block)
        {
            sink.Add(Info, pair.Subject,
                $"the runtime sends {pair.Runtime.InputType} to {pair.Subject}, the agent expects {pair.Agent.InputType}, and they are not wire-compatible",
                direction: "request");
        }
    }
}

internal sealed class RpcResponseChanged : IMethodRule
{
    public RuleInfo Info { get; } = new("RPC_RESPONSE_CHANGED", Severity.Block, Directions.Response,
        "A method's response type differs between the sides and is not wire-compatible.");

    public void Check(MethodPair pair, FindingSink sink)
    {
        if (pair.BothHaveTypes && pair.Runtime.OutputType != pair.Agent.OutputType && pair.ResponseSeverity == Severity.Block)
        {
            sink.Add(Info, pair.Subject,
                $"the agent answers {pair.Subject} with {pair.Agent.OutputType}, the runtime expects {pair.Runtime.OutputType}, and they are not wire-compatible",
                direction: "response");
        }
    }
}
