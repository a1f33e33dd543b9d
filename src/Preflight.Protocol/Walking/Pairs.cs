using Google.Protobuf.Reflection;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;
using FieldLabel = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;

namespace Preflight.Protocol.Walking;

/// <summary>Which way data flows. Requests go runtime → agent (the agent decodes); responses go agent → runtime.</summary>
internal enum Flow
{
    Request,
    Response,
}

/// <summary>The protobuf wire types a field can use on the wire.</summary>
internal enum WireClass
{
    Varint,
    Fixed64,
    LengthDelimited,
    Group,
    Fixed32,
}

/// <summary>Both whole surfaces, for rules that look at the binaries rather than at one message.</summary>
internal sealed record SurfacePair(ProtocolSurface Runtime, ProtocolSurface Agent, CompatibilityOptions Options);

/// <summary>
/// An expected service as each side has it; either may be null. AgentPresence says whether the agent has it when
/// Agent is null: proven absent by its bytes, present (paths of it occur), or unknown.
/// </summary>
internal sealed record ServicePair(string Name, ServiceSurface? Runtime, ServiceSurface? Agent, Presence AgentPresence);

/// <summary>
/// A method the runtime knows, paired with the agent's method of the same name (null when the agent lacks it).
/// RequestSeverity/ResponseSeverity are the worst findings the walker met inside the request/response types
/// (null when nothing was found or the types could not be compared).
/// </summary>
internal sealed record MethodPair(
    MethodSurface Runtime,
    MethodSurface? Agent,
    bool Required,
    Severity? RequestSeverity,
    Severity? ResponseSeverity)
{
    /// <summary>When Agent is null: what proves the agent lacks the method (the walker pairs no unproven absence).</summary>
    public string AbsenceProof { get; init; } = "";

    public string Subject => Runtime.Service + "." + Runtime.Name;

    public bool BothHaveTypes => Agent is not null && Runtime.HasTypes && Agent.HasTypes;
}

/// <summary>One side's field, with what decides how it travels on the wire.</summary>
internal sealed record FieldShape(string Owner, FieldDescriptorProto Field, bool Proto3)
{
    public string FullName => Owner + "." + Field.Name;

    public string Name => Field.Name;

    public int Number => Field.Number;

    public bool Repeated => Field.Label == FieldLabel.Repeated;

    /// <summary>Some generators leave type unset when type_name is given; such a field is a message or enum, and
    /// without the definition a message is the safe reading.</summary>
    public FieldType Type => Field.HasType ? Field.Type : FieldType.Message;

    public bool IsMessage => Type is FieldType.Message or FieldType.Group;

    public bool IsEnum => Type == FieldType.Enum;

    public string TypeName => ProtocolSurface.TrimDot(Field.TypeName);

    public WireClass Class => FieldTypes.ClassOf(Type);

    public bool Packable => Repeated && Class is WireClass.Varint or WireClass.Fixed32 or WireClass.Fixed64;

    /// <summary>proto3 packs repeated numeric fields unless [packed = false]; proto2 only with [packed = true].</summary>
    public bool Packed => Packable && (Proto3
        ? !(Field.Options is { HasPacked: true, Packed: false })
        : Field.Options is { HasPacked: true, Packed: true });

    /// <summary>"repeated uint32 (packed)", "message grpc.Storage", "enum types.IPFamily".</summary>
    public string Describe()
    {
        string type = IsMessage ? "message " + TypeName : IsEnum ? "enum " + TypeName : FieldTypes.Keyword(Type);
        return (Repeated ? "repeated " : "") + type + (Packed ? " (packed)" : "");
    }
}

/// <summary>
/// A field number in a message pair: the sender's field and the receiver's (either may be null). NestedSeverity is
/// the worst finding inside the two message types when both sides are messages.
/// </summary>
internal sealed record FieldPair(FieldShape? Sender, FieldShape? Receiver, Flow Flow, Severity? NestedSeverity)
{
    public FieldShape? Runtime => Flow == Flow.Request ? Sender : Receiver;

    public FieldShape? Agent => Flow == Flow.Request ? Receiver : Sender;

    /// <summary>Named as the runtime knows it when it does: the runtime is what the user upgrades and reads.</summary>
    public string Subject => (Runtime ?? Agent)!.FullName;

    public string SenderSide => Flow == Flow.Request ? "runtime" : "agent";

    public string ReceiverSide => Flow == Flow.Request ? "agent" : "runtime";

    public string DirectionName => Flow == Flow.Request ? "request" : "response";

    public bool Both => Sender is not null && Receiver is not null;

    /// <summary>
    /// Whether the receiver's parser accepts what the sender writes: same wire class, and a packed repeated field
    /// (one length-delimited record) never lands on a singular numeric field. Parsers accept packed and unpacked
    /// encodings for any repeated numeric field, so packing alone never breaks the wire.
    /// </summary>
    public bool WireCompatible =>
        Both && Sender!.Class == Receiver!.Class && !(Sender.Packed && !Receiver.Repeated);

    public bool Is(Func<FieldShape, bool> test) => Both && test(Sender!) && test(Receiver!);

    public bool ExactlyOne(Func<FieldShape, bool> test) => Both && test(Sender!) != test(Receiver!);
}

/// <summary>One enum value number as each side names it (Receiver null when the receiver lacks the number).</summary>
internal sealed record EnumValuePair(string EnumName, int Number, string SenderName, string? ReceiverName, Flow Flow, string Subject)
{
    public string SenderSide => Flow == Flow.Request ? "runtime" : "agent";

    public string ReceiverSide => Flow == Flow.Request ? "agent" : "runtime";

    public string DirectionName => Flow == Flow.Request ? "request" : "response";
}

internal static class FieldTypes
{
    public static WireClass ClassOf(FieldType type) => type switch
    {
        FieldType.Int32 or FieldType.Int64 or FieldType.Uint32 or FieldType.Uint64 or FieldType.Sint32
            or FieldType.Sint64 or FieldType.Bool or FieldType.Enum => WireClass.Varint,
        FieldType.Fixed64 or FieldType.Sfixed64 or FieldType.Double => WireClass.Fixed64,
        FieldType.Fixed32 or FieldType.Sfixed32 or FieldType.Float => WireClass.Fixed32,
        FieldType.Group => WireClass.Group,
        _ => WireClass.LengthDelimited,
    };

    public static string Keyword(FieldType type) => type switch
    {
        FieldType.Double => "double",
        FieldType.Float => "float",
        FieldType.Int64 => "int64",
        FieldType.Uint64 => "uint64",
        FieldType.Int32 => "int32",
        FieldType.Fixed64 => "fixed64",
        FieldType.Fixed32 => "fixed32",
        FieldType.Bool => "bool",
        FieldType.String => "string",
        FieldType.Group => "group",
        FieldType.Message => "message",
        FieldType.Bytes => "bytes",
        FieldType.Uint32 => "uint32",
        FieldType.Enum => "enum",
        FieldType.Sfixed32 => "sfixed32",
        FieldType.Sfixed64 => "sfixed64",
        FieldType.Sint32 => "sint32",
        FieldType.Sint64 => "sint64",
        _ => "unknown",
    };

    public static string WireName(WireClass wire) => wire switch
    {
        WireClass.Varint => "VARINT",
        WireClass.Fixed64 => "I64",
        WireClass.Fixed32 => "I32",
        WireClass.Group => "GROUP",
        _ => "LEN",
    };

    public static bool IsZigZag(FieldShape f) => f.Type is FieldType.Sint32 or FieldType.Sint64;

    public static bool IsBool(FieldShape f) => f.Type == FieldType.Bool;

    public static bool IsFloat(FieldShape f) => f.Type is FieldType.Float or FieldType.Double;

    public static bool IsInteger(FieldShape f) => f.Type is FieldType.Int32 or FieldType.Int64 or FieldType.Uint32
        or FieldType.Uint64 or FieldType.Sint32 or FieldType.Sint64 or FieldType.Fixed32 or FieldType.Fixed64
        or FieldType.Sfixed32 or FieldType.Sfixed64;

    public static bool IsSigned(FieldShape f) => f.Type is FieldType.Int32 or FieldType.Int64 or FieldType.Sint32
        or FieldType.Sint64 or FieldType.Sfixed32 or FieldType.Sfixed64;

    public static bool Is64Bit(FieldShape f) => f.Type is FieldType.Int64 or FieldType.Uint64 or FieldType.Sint64
        or FieldType.Fixed64 or FieldType.Sfixed64;

    public static bool IsString(FieldShape f) => f.Type == FieldType.String;

    public static bool IsBytes(FieldShape f) => f.Type == FieldType.Bytes;
}
