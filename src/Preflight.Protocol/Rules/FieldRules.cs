using Preflight.Protocol.Walking;

namespace Preflight.Protocol.Rules;

/// <summary>
/// The sender writes a field number the receiver's message does not have. proto3 receivers skip it silently, so
/// the data is lost: in a request the agent ignores what the runtime asked for (warn); in a response the runtime
/// merely misses extra information (info).
/// </summary>
internal sealed class FieldUnknownToReceiver : IMessageRule
{
    public RuleInfo Info { get; } = new("FIELD_UNKNOWN_TO_RECEIVER", Severity.Warn, Directions.RequestAndResponse,
        "The sender's message has a field number the receiver lacks: silently dropped (warn in requests, info in responses).");

    public void Check(MessagePair pair, FindingSink sink)
    {
        foreach (var field in pair.SenderOnly)
        {
            sink.Add(Info, field.FullName,
                $"the {pair.SenderSide} sends field {field.Number} ({field.Name}, {field.Describe()}) of {field.Owner}; " +
                $"the {pair.ReceiverSide}'s message has no field {field.Number} and drops it silently",
                pair.Flow == Flow.Request ? Severity.Warn : Severity.Info, pair.DirectionName);
        }
    }
}

/// <summary>Same field number, wire encodings the receiver's parser cannot accept: decoding fails or the value is lost.</summary>
internal sealed class FieldWireTypeChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_WIRE_TYPE_CHANGED", Severity.Block, Directions.RequestAndResponse,
        "Same field number, incompatible wire type: the receiver cannot decode what the sender writes.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible)
        {
            return;
        }
        var (sender, receiver) = (pair.Sender, pair.Receiver);
        string senderWire = sender.Packed ? "packed LEN" : FieldTypes.WireName(sender.Class);
        string receiverWire = FieldTypes.WireName(receiver.Class);
        sink.Add(Info, pair.Subject,
            $"field {sender.Number} of {sender.Owner} is {sender.Describe()} ({sender.Name}) on the {pair.SenderSide} " +
            $"but {receiver.Describe()} ({receiver.Name}) on the {pair.ReceiverSide}: the encodings differ ({senderWire} vs {receiverWire}); " +
            $"the {pair.ReceiverSide} rejects the message or reads garbage",
            direction: pair.DirectionName);
    }
}

/// <summary>singular ↔ repeated on the same wire type: a singular receiver keeps only the last element (or merges
/// every message element into one); a repeated receiver gets a one-element list, which is harmless.</summary>
internal sealed class FieldCardinalityChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_CARDINALITY_CHANGED", Severity.Warn, Directions.RequestAndResponse,
        "Singular on one side, repeated on the other: a singular receiver keeps only the last element (info when the sender is singular).");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (!pair.WireCompatible || pair.Sender.Repeated == pair.Receiver.Repeated)
        {
            return;
        }
        bool loses = pair.Sender.Repeated;
        sink.Add(Info, pair.Subject,
            $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
            $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}" +
            (!loses ? ": the receiver gets a one-element list"
                : pair.Sender.IsMessage ? ": the receiver merges every element into one message"
                : ": the receiver keeps only the last element"),
            loses ? Severity.Warn : Severity.Info, pair.DirectionName);
    }
}

/// <summary>Packed ↔ unpacked repeated numbers: conforming parsers accept both encodings for repeated fields.</summary>
internal sealed class FieldPackingChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_PACKING_CHANGED", Severity.Info, Directions.RequestAndResponse,
        "A repeated numeric field is packed on one side and unpacked on the other: parsers accept both.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Is(f => f.Packable) && pair.Sender.Packed != pair.Receiver.Packed)
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {(pair.Sender.Packed ? "packed" : "unpacked")} on the " +
                $"{pair.SenderSide} and {(pair.Receiver.Packed ? "packed" : "unpacked")} on the {pair.ReceiverSide}; protobuf parsers accept both",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>
/// int32 ↔ sint32 (and the 64-bit pair) share the varint wire type, so nothing fails to decode, but zigzag and plain
/// varints read each other's non-zero values as different numbers (1 reads as -1, 2 as 1). Silent garbage is worse
/// than an error, hence block.
/// </summary>
internal sealed class FieldZigZagChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_ZIGZAG_CHANGED", Severity.Block, Directions.RequestAndResponse,
        "sintN on one side, intN/uintN/enum/bool on the other: decodes without error but every non-zero value garbles.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Sender.Class == WireClass.Varint && pair.ExactlyOne(FieldTypes.IsZigZag))
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}: zigzag and plain varints decode each other's values wrongly",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>Signed ↔ unsigned integers of the same encoding: only negative (or very large) values change.</summary>
internal sealed class FieldSignednessChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_SIGNEDNESS_CHANGED", Severity.Warn, Directions.RequestAndResponse,
        "Signed on one side, unsigned on the other: negative and very large values are read differently.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Is(FieldTypes.IsInteger) && !pair.ExactlyOne(FieldTypes.IsZigZag)
            && pair.ExactlyOne(FieldTypes.IsSigned))
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}: negative values turn into huge positive ones or the reverse",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>32 ↔ 64-bit varints: a narrower receiver truncates large values (warn); a wider one reads them all (info).</summary>
internal sealed class FieldWidthChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_WIDTH_CHANGED", Severity.Warn, Directions.RequestAndResponse,
        "32-bit on one side, 64-bit on the other: a 32-bit receiver truncates large values (info when the receiver is wider).");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Sender.Class == WireClass.Varint && pair.Is(FieldTypes.IsInteger)
            && pair.ExactlyOne(FieldTypes.Is64Bit))
        {
            bool truncates = FieldTypes.Is64Bit(pair.Sender);
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}" +
                (truncates ? ": values above 32 bits are truncated" : ": the receiver is wider, every value survives"),
                truncates ? Severity.Warn : Severity.Info, pair.DirectionName);
        }
    }
}

/// <summary>bool ↔ integer: every non-zero integer reads as true, and true reads as 1.</summary>
internal sealed class FieldBoolIntegerChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_BOOL_INTEGER_CHANGED", Severity.Warn, Directions.RequestAndResponse,
        "bool on one side, an integer or enum on the other: wire-compatible, but values collapse to 0/1.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Sender.Class == WireClass.Varint && pair.ExactlyOne(FieldTypes.IsBool))
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}: values collapse to true/false",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>enum ↔ integer: the same varint; proto3 enums are open, so every number survives.</summary>
internal sealed class FieldEnumIntegerChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_ENUM_INTEGER_CHANGED", Severity.Info, Directions.RequestAndResponse,
        "An enum on one side, an integer on the other: same encoding, numbers survive.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.ExactlyOne(f => f.IsEnum) && !pair.ExactlyOne(FieldTypes.IsBool)
            && !pair.ExactlyOne(FieldTypes.IsZigZag))
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}: same varint encoding",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>float/double ↔ fixed-width integers: the bits are reinterpreted, so every value is garbage.</summary>
internal sealed class FieldFloatIntegerChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_FLOAT_INTEGER_CHANGED", Severity.Block, Directions.RequestAndResponse,
        "A floating-point field on one side, a fixed-width integer on the other: the bits are reinterpreted.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.ExactlyOne(FieldTypes.IsFloat))
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}: floating-point bits read as an integer or the reverse",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>string ↔ bytes: identical on the wire, but a string receiver validates UTF-8 in proto3 and rejects the
/// message when the bytes are not UTF-8 (warn); a bytes receiver takes anything (info).</summary>
internal sealed class FieldStringBytesChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_STRING_BYTES_CHANGED", Severity.Warn, Directions.RequestAndResponse,
        "string on one side, bytes on the other: a string receiver rejects non-UTF-8 data (info when the receiver has bytes).");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Is(f => FieldTypes.IsString(f) || FieldTypes.IsBytes(f)) && pair.ExactlyOne(FieldTypes.IsString))
        {
            bool strict = FieldTypes.IsString(pair.Receiver);
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} on the {pair.ReceiverSide}" +
                (strict ? ": the receiver rejects the message when the bytes are not valid UTF-8" : ": the receiver accepts any bytes"),
                strict ? Severity.Warn : Severity.Info, pair.DirectionName);
        }
    }
}

/// <summary>
/// A message on one side, string or bytes on the other. Both are length-delimited, so decoding may even succeed,
/// but the meaning is gone: a message receiver parses arbitrary bytes (usually an error), a string receiver
/// rejects non-UTF-8; only a bytes receiver takes it quietly (still meaningless to it), hence warn there.
/// </summary>
internal sealed class FieldMessageBytesChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_MESSAGE_BYTES_CHANGED", Severity.Block, Directions.RequestAndResponse,
        "A message on one side, string/bytes on the other: same wire type, different meaning (warn when the receiver has bytes).");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Sender.Class == WireClass.LengthDelimited && pair.ExactlyOne(f => f.IsMessage))
        {
            bool quiet = FieldTypes.IsBytes(pair.Receiver);
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} is {pair.Sender.Describe()} ({pair.Sender.Name}) on the {pair.SenderSide} and " +
                $"{pair.Receiver.Describe()} ({pair.Receiver.Name}) on the {pair.ReceiverSide}: the receiver reads the data as something else entirely",
                quiet ? Severity.Warn : Severity.Block, pair.DirectionName);
        }
    }
}

/// <summary>Both sides have a message here, of different names and incompatible structure. Same structure under
/// another name (grpc.Interface → types.Interface) is compatible and not reported.</summary>
internal sealed class FieldMessageTypeChanged : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_MESSAGE_TYPE_CHANGED", Severity.Block, Directions.RequestAndResponse,
        "Both sides have a message at this number, of different types whose structures are not wire-compatible.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Is(f => f.IsMessage) && pair.Sender.TypeName != pair.Receiver.TypeName
            && pair.NestedSeverity == Severity.Block)
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Sender.Owner} carries {pair.Sender.TypeName} on the {pair.SenderSide} and " +
                $"{pair.Receiver.TypeName} on the {pair.ReceiverSide}, which are not wire-compatible",
                direction: pair.DirectionName);
        }
    }
}

/// <summary>Same number and type, another name: names never travel on the wire (only JSON or text formats see it).</summary>
internal sealed class FieldRenamed : IFieldRule
{
    public RuleInfo Info { get; } = new("FIELD_RENAMED", Severity.Info, Directions.RequestAndResponse,
        "Same number and type, different name: harmless on the wire.");

    public void Check(FieldPair pair, FindingSink sink)
    {
        if (pair.WireCompatible && pair.Sender.Type == pair.Receiver.Type && pair.Sender.Repeated == pair.Receiver.Repeated
            && pair.Sender.Name != pair.Receiver.Name)
        {
            sink.Add(Info, pair.Subject,
                $"field {pair.Sender.Number} of {pair.Runtime.Owner} is {pair.Runtime.Name} on the runtime and {pair.Agent.Name} on the agent; " +
                "names do not travel on the wire",
                direction: pair.DirectionName);
        }
    }
}
