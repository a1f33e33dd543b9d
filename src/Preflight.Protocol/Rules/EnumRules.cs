using Preflight.Protocol.Walking;

namespace Preflight.Protocol.Rules;

/// <summary>proto3 enums are open, so the number survives decoding, but the receiver's code has no case for it.</summary>
internal sealed class EnumValueUnknownToReceiver : IEnumRule
{
    public RuleInfo Info { get; } = new("ENUM_VALUE_UNKNOWN_TO_RECEIVER", Severity.Warn, Directions.RequestAndResponse,
        "The sender's enum has a value number the receiver's enum lacks: the receiver cannot act on it.");

    public void Check(EnumPair pair, FindingSink sink)
    {
        foreach (var (number, name) in pair.SenderOnly)
        {
            sink.Add(Info, pair.RuntimeEnum + "." + name,
                $"the {pair.SenderSide} may send {pair.SenderEnum} value {number} ({name}), " +
                $"which the {pair.ReceiverSide}'s enum does not define",
                direction: pair.DirectionName);
        }
    }
}

internal sealed class EnumValueRenamed : IEnumValueRule
{
    public RuleInfo Info { get; } = new("ENUM_VALUE_RENAMED", Severity.Info, Directions.RequestAndResponse,
        "Same enum number, different name: harmless on the wire.");

    public void Check(EnumValuePair pair, FindingSink sink)
    {
        if (pair.ReceiverName != pair.SenderName)
        {
            sink.Add(Info, pair.Subject,
                $"{pair.EnumName} value {pair.Number} is {pair.SenderName} on the {pair.SenderSide} and {pair.ReceiverName} " +
                $"on the {pair.ReceiverSide}; names do not travel on the wire",
                direction: pair.DirectionName);
        }
    }
}
