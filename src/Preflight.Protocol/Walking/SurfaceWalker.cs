using Google.Protobuf.Reflection;

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

    public SurfaceWalker(ProtocolSurface runtime, ProtocolSurface agent, CompatibilityOptions options)
    {
        this.runtime = runtime;
        this.agent = agent;
        this.options = options;
    }

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
        return sink.Sorted();
    }

    private void WalkService(string name)
    {
        runtime.Services.TryGetValue(name, out var runtimeService);
        agent.Services.TryGetValue(name, out var agentService);
        var pair = new ServicePair(name, runtimeService, agentService);
        foreach (var rule in RuleCatalog.ServiceRules)
        {
            rule.Check(pair, sink);
        }
        if (runtimeService is null || agentService is null)
        {
            return;
        }
        // Only the runtime's methods matter: a method only the agent serves is never called.
        foreach (var runtimeMethod in runtimeService.Methods)
        {
            WalkMethod(runtimeMethod, agentService.Find(runtimeMethod.Name));
        }
    }

    private void WalkMethod(MethodSurface runtimeMethod, MethodSurface? agentMethod)
    {
        Severity? request = null;
        Severity? response = null;
        if (agentMethod is not null && runtimeMethod.HasTypes && agentMethod.HasTypes)
        {
            request = WalkMessages(runtimeMethod.InputType!, agentMethod.InputType!, Flow.Request, sink);
            response = WalkMessages(agentMethod.OutputType!, runtimeMethod.OutputType!, Flow.Response, sink);
        }
        bool required = options.RequiredRpcs.Contains(runtimeMethod.FullName)
            || options.RequiredRpcs.Contains(runtimeMethod.Service + "." + runtimeMethod.Name);
        var pair = new MethodPair(runtimeMethod, agentMethod, required, request, response);
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
        // A type one side does not define (say google.protobuf.Empty left out of a binary's descriptors) cannot be
        // compared; nothing is claimed about it.
        if (senderMessage is not null && receiverMessage is not null)
        {
            WalkFields(senderType, senderMessage, receiverType, receiverMessage, flow, scope);
        }
        walkingMessages.Remove(key);
        walkedMessages[key] = scope.Worst;
        return scope.Worst;
    }

    private void WalkFields(
        string senderType, DescriptorProto senderMessage, string receiverType, DescriptorProto receiverMessage,
        Flow flow, FindingSink scope)
    {
        bool senderProto3 = IsProto3(SenderOf(flow), senderType);
        bool receiverProto3 = IsProto3(ReceiverOf(flow), receiverType);
        var senderFields = ByNumber(senderMessage);
        var receiverFields = ByNumber(receiverMessage);
        var numbers = new SortedSet<int>(senderFields.Keys);
        numbers.UnionWith(receiverFields.Keys);
        foreach (int number in numbers)
        {
            var s = senderFields.TryGetValue(number, out var sf) ? new FieldShape(senderType, sf, senderProto3) : null;
            var r = receiverFields.TryGetValue(number, out var rf) ? new FieldShape(receiverType, rf, receiverProto3) : null;
            Severity? nested = null;
            if (s is not null && r is not null)
            {
                if (s.IsMessage && r.IsMessage)
                {
                    nested = WalkMessages(s.TypeName, r.TypeName, flow, scope);
                }
                else if (s.IsEnum && r.IsEnum)
                {
                    WalkEnums(s.TypeName, r.TypeName, flow, scope);
                }
            }
            var pair = new FieldPair(s, r, flow, nested);
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
        string runtimeEnum = flow == Flow.Request ? senderType : receiverType;
        var seen = new HashSet<int>();
        foreach (var value in senderEnum.Value)
        {
            if (!seen.Add(value.Number))
            {
                continue;
            }
            receiverNames.TryGetValue(value.Number, out string? receiverName);
            string runtimeName = flow == Flow.Request ? value.Name : receiverName ?? value.Name;
            var pair = new EnumValuePair(senderType, value.Number, value.Name, receiverName, flow, runtimeEnum + "." + runtimeName);
            foreach (var rule in RuleCatalog.EnumValueRules)
            {
                rule.Check(pair, scope);
            }
        }
    }

    private static bool IsProto3(ProtocolSurface surface, string message) =>
        surface.SyntaxByMessage.TryGetValue(message, out string? syntax) && syntax == "proto3";

    private static Dictionary<int, FieldDescriptorProto> ByNumber(DescriptorProto message)
    {
        var fields = new Dictionary<int, FieldDescriptorProto>();
        foreach (var field in message.Field)
        {
            fields.TryAdd(field.Number, field);
        }
        return fields;
    }
}
