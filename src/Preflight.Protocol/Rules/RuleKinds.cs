using Preflight.Protocol.Walking;

namespace Preflight.Protocol.Rules;

/// <summary>A rule judges one pair the walker hands it and reports through the sink; it never walks by itself.</summary>
internal interface IRule
{
    RuleInfo Info { get; }
}

internal interface ISurfaceRule : IRule
{
    void Check(SurfacePair pair, FindingSink sink);
}

internal interface IServiceRule : IRule
{
    void Check(ServicePair pair, FindingSink sink);
}

internal interface IMethodRule : IRule
{
    void Check(MethodPair pair, FindingSink sink);
}

internal interface IFieldRule : IRule
{
    void Check(FieldPair pair, FindingSink sink);
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
