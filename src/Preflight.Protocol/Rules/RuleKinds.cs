using Preflight.Protocol.Walking;

namespace Preflight.Protocol.Rules;

/// <summary>
/// A rule judges one pair or event the walker hands it and reports through the sink; it never walks by itself. As in
/// buf, a pair rule sees only things both sides have, and what one side lacks is judged on the parent that holds it.
/// </summary>
internal interface IRule
{
    RuleInfo Info { get; }
}

internal interface ISurfaceRule : IRule
{
    void Check(SurfacePair pair, FindingSink sink);
}

/// <summary>An expected service one side may lack.</summary>
internal interface IServiceRule : IRule
{
    void Check(ServicePresence service, FindingSink sink);
}

/// <summary>The runtime's methods of a service the agent provably lacks.</summary>
internal interface IAbsentMethodsRule : IRule
{
    void Check(MethodsAbsentOnAgent absent, FindingSink sink);
}

internal interface IMethodRule : IRule
{
    void Check(MethodPair pair, FindingSink sink);
}

/// <summary>A message pair as a whole: the fields one side lacks.</summary>
internal interface IMessageRule : IRule
{
    void Check(MessagePair pair, FindingSink sink);
}

internal interface IFieldRule : IRule
{
    void Check(FieldPair pair, FindingSink sink);
}

/// <summary>An enum pair as a whole: the values one side lacks.</summary>
internal interface IEnumRule : IRule
{
    void Check(EnumPair pair, FindingSink sink);
}

internal interface IEnumValueRule : IRule
{
    void Check(EnumValuePair pair, FindingSink sink);
}

/// <summary>Directions as RuleInfo states them.</summary>
internal static class Directions
{
    public const string Both = "both";
    public const string Request = "request (runtime → agent)";
    public const string Response = "response (agent → runtime)";
    public const string RequestAndResponse = "request and response";
    public const string RuntimeToAgent = "runtime → agent";
}
