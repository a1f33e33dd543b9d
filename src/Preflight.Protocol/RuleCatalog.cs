using Preflight.Protocol.Rules;

namespace Preflight.Protocol;

/// <summary>Every rule the checker runs, grouped by the kind of pair it judges. The README's rule list comes from All.</summary>
public static class RuleCatalog
{
    internal static readonly IReadOnlyList<ISurfaceRule> SurfaceRules =
        [new ProtocolUnverified(), new TransportMismatch(), new DriverUnknownToAgent()];

    internal static readonly IReadOnlyList<IServiceRule> ServiceRules = [new ServiceMissing(), new ServiceUnverified()];

    internal static readonly IReadOnlyList<IAbsentMethodsRule> AbsentMethodsRules = [new RpcMissing()];

    internal static readonly IReadOnlyList<IMethodRule> MethodRules =
        [new RpcStreamingChanged(), new RpcRequestChanged(), new RpcResponseChanged()];

    internal static readonly IReadOnlyList<IMessageRule> MessageRules = [new FieldUnknownToReceiver()];

    internal static readonly IReadOnlyList<IFieldRule> FieldRules =
    [
        new FieldWireTypeChanged(),
        new FieldCardinalityChanged(),
        new FieldPackingChanged(),
        new FieldZigZagChanged(),
        new FieldSignednessChanged(),
        new FieldWidthChanged(),
        new FieldBoolIntegerChanged(),
        new FieldEnumIntegerChanged(),
        new FieldFloatIntegerChanged(),
        new FieldStringBytesChanged(),
        new FieldMessageBytesChanged(),
        new FieldMessageTypeChanged(),
        new FieldRenamed(),
    ];

    internal static readonly IReadOnlyList<IEnumRule> EnumRules = [new EnumValueUnknownToReceiver()];

    internal static readonly IReadOnlyList<IEnumValueRule> EnumValueRules = [new EnumValueRenamed()];

    /// <summary>All rules, sorted by ID.</summary>
    public static IReadOnlyList<RuleInfo> All { get; } = SurfaceRules.Cast<IRule>()
        .Concat(ServiceRules).Concat(AbsentMethodsRules).Concat(MethodRules).Concat(MessageRules).Concat(FieldRules)
        .Concat(EnumRules).Concat(EnumValueRules)
        .Select(r => r.Info)
        .Concat([RpcsUnverified.Rule, TypesUnresolved.Rule, FieldsUnverified.Rule])
        .Concat(Catalog.ResolutionRules.All)
        .OrderBy(r => r.Id, StringComparer.Ordinal)
        .ToList();
}
