using Google.Protobuf.Reflection;
using Preflight.Protocol.Catalog;
using Preflight.Protocol.Rules;

namespace Preflight.Protocol.Walking;

/// <summary>
/// Pairs the two sides up (service ↔ service, method ↔ method, message ↔ message reached from a method, field ↔ field
/// by number, enum value ↔ value by number), knows which way data flows, and hands every pair to the rules. Message
/// pairs are walked once per direction; a pair met again while still being walked (a recursive type) counts as
/// compatible, which is what terminates cycles.
/// </summary>
internal sealed class SurfaceWalker
{
    /// <summary>Real protocols nest a handful of levels; a chain deeper than this is hostile input, and following it
    /// would exhaust the stack.</summary>
    public const int MaxDepth = 200;

    private readonly ProtocolSurface runtime;
    private readonly ProtocolSurface agent;
    private readonly CompatibilityOptions options;
    private readonly FindingSink sink = new();
    private readonly Dictionary<(string, string, Flow), Severity?> walkedMessages = [];
    private readonly HashSet<(string, string, Flow)> walkingMessages = [];
    private readonly HashSet<(string, string, Flow)> walkedEnums = [];
    private readonly IReadOnlySet<string> requiredRpcs;

    /// <summary>Types a compared method reaches that one side does not define, by side: their fields went unchecked.</summary>
    private readonly SortedSet<string> unresolvedOnRuntime = new(StringComparer.Ordinal);
    private readonly SortedSet<string> unresolvedOnAgent = new(StringComparer.Ordinal);

    public SurfaceWalker(ProtocolSurface runtime, ProtocolSurface agent, CompatibilityOptions options)
    {
        this.runtime = runtime;
        this.agent = agent;
        this.options = options;
        requiredRpcs = options.RequiredRpcs ?? ReleaseCatalog.Default.RequiredRpcs(KataVersion.ParseRelease(runtime.RequiredRpcsRelease));
    }

    /// <summary>What the walk compared, for reports: method pairs whose request and response were walked.</summary>
    public int MethodsCompared { get; private set; }

    /// <summary>Message pairs (per direction) whose fields were walked.</summary>
    public int MessagePairsWalked { get; private set; }

    public Coverage Coverage => new(MethodsCompared, MessagePairsWalked, unresolvedOnRuntime.Count + unresolvedOnAgent.Count);

    public IReadOnlyList<Finding> Run()
    {
        var surfaces = new SurfacePair(runtime, agent, options);
        foreach (var rule in RuleCatalog.SurfaceRules)
        {
            rule.Check(surfaces, sink);
        }
        // With one side blank there is nothing to pair; PROTOCOL_UNVERIFIED already said so.
        if (runtime.IsEmpty || agent.IsEmpty)
        {
            return sink.Sorted();
        }
        foreach (string name in options.ExpectedServices.Order(StringComparer.Ordinal))
        {
            WalkService(name);
        }
        ReportUnresolved("runtime", unresolvedOnRuntime);
        ReportUnresolved("agent", unresolvedOnAgent);
        // Whatever the reason, a pass needs a comparison that happened.
        if (MethodsCompared == 0 && !sink.Sorted().Any(f => f.Severity >= Severity.Warn))
        {
            sink.Add(ProtocolUnverified.Rule, "protocol",
                "no method of the expected services could be compared on both sides");
        }
        return sink.Sorted();
    }

    private void WalkService(string name)
    {
        runtime.Services.TryGetValue(name, out var runtimeService);
        agent.Services.TryGetValue(name, out var agentService);
        Presence agentPresence = agentService is not null ? Presence.Present : agent.ProbeService(name);
        var presence = new ServicePresence(name, runtimeService, agentService, agentPresence);
        foreach (var rule in RuleCatalog.ServiceRules)
        {
            rule.Check(presence, sink);
        }
        if (runtimeService is null || agentPresence != Presence.Present)
        {
            return;
        }
        var knownNames = runtimeService.Methods.Select(m => m.Name)
            .Concat(agentService?.Methods.Select(m => m.Name) ?? [])
            .ToHashSet(StringComparer.Ordinal);
        var unverified = new List<string>();
        var absent = new List<MethodSurface>();
        int untypedOnRuntime = 0, untypedOnAgent = 0, paired = 0;
        // Only the runtime's methods matter: a method only the agent serves is never called.
        foreach (var runtimeMethod in runtimeService.Methods)
        {
            var agentMethod = agentService?.Find(runtimeMethod.Name);
            if (agentMethod is null && agentService is not { Complete: true })
            {
                // Not in a complete list: only the agent's bytes can still say yes or no.
                switch (agent.ProbeMethod(name, runtimeMethod.Name, knownNames))
                {
                    case Presence.Present:
                        agentMethod = new MethodSurface(name, runtimeMethod.Name, null, null, false, false, Evidence.ByteImage);
                        break;
                    case Presence.Unknown:
                        unverified.Add(runtimeMethod.Name);
                        continue;
                }
            }
            if (agentMethod is null)
            {
                absent.Add(runtimeMethod);
                continue;
            }
            agentMethod = WithOwnMessagesTyped(agentMethod, runtimeMethod);
            paired++;
            untypedOnRuntime += runtimeMethod.HasTypes ? 0 : 1;
            untypedOnAgent += agentMethod.HasTypes ? 0 : 1;
            WalkMethod(runtimeMethod, agentMethod);
        }
        if (absent.Count > 0)
        {
            var absentMethods = new MethodsAbsentOnAgent(name, absent, requiredRpcs, AbsenceProof(agentService));
            foreach (var rule in RuleCatalog.AbsentMethodsRules)
            {
                rule.Check(absentMethods, sink);
            }
        }
        foreach (var (side, untyped) in new[] { ("runtime", untypedOnRuntime), ("agent", untypedOnAgent) })
        {
            if (untyped > 0)
            {
                sink.Add(FieldsUnverified.Rule, name,
                    $"the {side} knows {untyped} of the {paired} methods of {name} compared only by name (no descriptors of their types): " +
                    "message fields of those methods were not checked");
            }
        }
        if (unverified.Count > 0)
        {
            sink.Add(RpcsUnverified.Rule, name,
                $"{unverified.Count} of the {runtimeService.Methods.Count} methods of {name} the runtime knows could not be verified on the " +
                $"agent (no complete method list, and its binary does not register methods as path strings): {string.Join(", ", unverified)}");
        }
        if (!runtimeService.Complete)
        {
            sink.Add(RpcsUnverified.Rule, name,
                $"the runtime's methods of {name} are known only from method strings: a method it calls that left no string was not compared");
        }
    }

    /// <summary>
    /// An agent method known by name only (descriptors of every message but no service, Kata 2.1-3.1) takes the
    /// runtime's signature when the agent's own descriptors define both of its types, so the field rules judge the
    /// agent's own messages against the runtime's.
    /// </summary>
    private MethodSurface WithOwnMessagesTyped(MethodSurface agentMethod, MethodSurface runtimeMethod)
    {
        if (agentMethod.HasTypes || runtimeMethod is not { InputType: string input, OutputType: string output }
            || !agent.Defines(input) || !agent.Defines(output))
        {
            return agentMethod;
        }
        return agentMethod.WithSignatureOf(runtimeMethod);
    }

    private void ReportUnresolved(string side, SortedSet<string> types)
    {
        if (types.Count > 0)
        {
            sink.Add(TypesUnresolved.Rule, side,
                $"{types.Count} message type(s) the compared methods reach are not defined on the {side} " +
                $"(its descriptors leave them out), so their fields were not compared: {string.Join(", ", types.Take(10))}" +
                (types.Count > 10 ? ", ..." : ""));
        }
    }

    private string AbsenceProof(ServiceSurface? agentService) => agentService switch
    {
        { Complete: true, Evidence: Evidence.Catalog } => $"the release catalog's protocol {agent.CatalogProtocol} of the agent's release does not list it",
        { Complete: true } when agent.CatalogProtocol is not null => $"neither the agent's descriptors nor its release's protocol ({agent.CatalogProtocol}) list it, and no path of it occurs in its binary",
        { Complete: true } => "the agent's service descriptor lists every method it serves, and not this one",
        _ => "the agent registers its methods as path strings and no path of this one occurs in its binary",
    };

    private void WalkMethod(MethodSurface runtimeMethod, MethodSurface agentMethod)
    {
        Severity? request = null;
        Severity? response = null;
        if (runtimeMethod is { InputType: string runtimeInput, OutputType: string runtimeOutput }
            && agentMethod is { InputType: string agentInput, OutputType: string agentOutput })
        {
            request = WalkMessages(runtimeInput, agentInput, Flow.Request, sink);
            response = WalkMessages(agentOutput, runtimeOutput, Flow.Response, sink);
            MethodsCompared++;
        }
        var pair = new MethodPair(runtimeMethod, agentMethod, request, response);
        foreach (var rule in RuleCatalog.MethodRules)
        {
            rule.Check(pair, sink);
        }
    }

    private ProtocolSurface SenderOf(Flow flow) => flow == Flow.Request ? runtime : agent;

    private ProtocolSurface ReceiverOf(Flow flow) => flow == Flow.Request ? agent : runtime;

    /// <summary>Walks one message pair and returns the worst severity found inside it (null: nothing found).</summary>
    private Severity? WalkMessages(string senderType, string receiverType, Flow flow, FindingSink outer)
    {
        var key = (senderType, receiverType, flow);
        if (walkedMessages.TryGetValue(key, out var known))
        {
            outer.Raise(known);
            return known;
        }
        if (!walkingMessages.Add(key))
        {
            return null;
        }
        if (walkingMessages.Count > MaxDepth)
        {
            throw new ProtocolFormatException("protocol surface", $"messages nest deeper than {MaxDepth} levels below {senderType}");
        }
        var sender = SenderOf(flow);
        var receiver = ReceiverOf(flow);
        var senderMessage = sender.FindMessage(senderType);
        var receiverMessage = receiver.FindMessage(receiverType);
        var scope = outer.Scope();
        // A type one side does not define cannot be compared; nothing is claimed about it, but the report says so
        // (a well-known google.protobuf type has a fixed shape, so leaving it out hides nothing).
        if (senderMessage is not null && receiverMessage is not null)
        {
            WalkFields(senderType, senderMessage, receiverType, receiverMessage, flow, scope);
        }
        else
        {
            NoteUnresolved(senderType, senderMessage is null, flow == Flow.Request ? unresolvedOnRuntime : unresolvedOnAgent);
            NoteUnresolved(receiverType, receiverMessage is null, flow == Flow.Request ? unresolvedOnAgent : unresolvedOnRuntime);
        }
        walkingMessages.Remove(key);
        walkedMessages[key] = scope.Worst;
        MessagePairsWalked++;
        return scope.Worst;
    }

    private void WalkFields(
        string senderType, DescriptorProto senderMessage, string receiverType, DescriptorProto receiverMessage,
        Flow flow, FindingSink scope)
    {
        bool senderProto3 = IsProto3(SenderOf(flow), senderType);
        bool receiverProto3 = IsProto3(ReceiverOf(flow), receiverType);
        var messages = new MessagePair(
            ByNumber(senderType, senderMessage, senderProto3), ByNumber(receiverType, receiverMessage, receiverProto3), flow);
        foreach (var rule in RuleCatalog.MessageRules)
        {
            rule.Check(messages, scope);
        }
        foreach (var (number, sender) in messages.SenderFields.OrderBy(f => f.Key))
        {
            if (!messages.ReceiverFields.TryGetValue(number, out var receiver))
            {
                continue;
            }
            Severity? nested = null;
            if (sender.IsMessage && receiver.IsMessage)
            {
                nested = WalkMessages(sender.TypeName, receiver.TypeName, flow, scope);
            }
            else if (sender.IsEnum && receiver.IsEnum)
            {
                WalkEnums(sender.TypeName, receiver.TypeName, flow, scope);
            }
            var pair = new FieldPair(sender, receiver, flow, nested);
            foreach (var rule in RuleCatalog.FieldRules)
            {
                rule.Check(pair, scope);
            }
        }
    }

    private void WalkEnums(string senderType, string receiverType, Flow flow, FindingSink scope)
    {
        if (!walkedEnums.Add((senderType, receiverType, flow)))
        {
            return;
        }
        var senderEnum = SenderOf(flow).FindEnum(senderType);
        var receiverEnum = ReceiverOf(flow).FindEnum(receiverType);
        if (senderEnum is null || receiverEnum is null)
        {
            return;
        }
        // With allow_alias several names share a number; the first name stands for it on both sides.
        var receiverNames = new Dictionary<int, string>();
        foreach (var value in receiverEnum.Value)
        {
            receiverNames.TryAdd(value.Number, value.Name);
        }
        var senderValues = new List<(int Number, string Name)>();
        var seen = new HashSet<int>();
        foreach (var value in senderEnum.Value)
        {
            if (seen.Add(value.Number))
            {
                senderValues.Add((value.Number, value.Name));
            }
        }
        string runtimeEnum = flow == Flow.Request ? senderType : receiverType;
        var enums = new EnumPair(senderType, runtimeEnum, senderValues, receiverNames, flow);
        foreach (var rule in RuleCatalog.EnumRules)
        {
            rule.Check(enums, scope);
        }
        foreach (var (number, senderName) in senderValues)
        {
            if (!receiverNames.TryGetValue(number, out string? receiverName))
            {
                continue;
            }
            string runtimeName = flow == Flow.Request ? senderName : receiverName;
            var pair = new EnumValuePair(senderType, number, senderName, receiverName, flow, runtimeEnum + "." + runtimeName);
            foreach (var rule in RuleCatalog.EnumValueRules)
            {
                rule.Check(pair, scope);
            }
        }
    }

    private static void NoteUnresolved(string type, bool missing, SortedSet<string> into)
    {
        string name = ProtocolSurface.TrimDot(type);
        if (missing && !ProtocolSurface.IsWellKnown(name))
        {
            into.Add(name);
        }
    }

    private static bool IsProto3(ProtocolSurface surface, string message) =>
        surface.SyntaxByMessage.TryGetValue(message, out string? syntax) && syntax == "proto3";

    /// <summary>A message's fields by number; a number declared twice (invalid, but readable) keeps its first field.</summary>
    private static Dictionary<int, FieldShape> ByNumber(string owner, DescriptorProto message, bool proto3)
    {
        var fields = new Dictionary<int, FieldShape>();
        foreach (var field in message.Field)
        {
            fields.TryAdd(field.Number, new FieldShape(owner, field, proto3));
        }
        return fields;
    }
}
