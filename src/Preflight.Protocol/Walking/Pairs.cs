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
/// An expected service as each side shows it: not a pair but a presence event, since the service rules judge only
/// what one side lacks. Either side may be null; AgentPresence says whether the agent has it when Agent is null:
/// proven absent by its bytes, present (paths of it occur), or unknown.
/// </summary>
internal sealed record ServicePresence(string Name, ServiceSurface? Runtime, ServiceSurface? Agent, Presence AgentPresence);

/// <summary>
/// A method both sides have. RequestSeverity/ResponseSeverity are the worst findings the walker met inside the
/// request/response types (null when nothing was found or the types could not be compared).
/// </summary>
internal sealed record MethodPair(MethodSurface Runtime, MethodSurface Agent, Severity? RequestSeverity, Severity? ResponseSeverity)
{
    public string Subject => Runtime.Service + "." + Runtime.Name;

    public bool BothHaveTypes => Runtime.HasTypes && Agent.HasTypes;
}

/// <summary>
/// The runtime's methods of one service that the agent provably lacks, judged on the service the way buf judges a
/// deletion on its parent. AbsenceProof says what proves it (the walker pairs no unproven absence).
/// </summary>
internal sealed record MethodsAbsentOnAgent(string Service, IReadOnlyList<MethodSurface> Methods, IReadOnlySet<string> RequiredRpcs, string AbsenceProof)
{
    /// <summary>Whether the runtime's release calls this method on every sandbox (required.tsv or the policy).</summary>
    public bool IsRequired(MethodSurface method) =>
        RequiredRpcs.Contains(method.FullName) || RequiredRpcs.Contains(method.Service + "." + method.Name);

    public static string SubjectOf(MethodSurface method) => method.Service + "." + method.Name;
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
/// A message pair (sender's type, receiver's type) with both sides' fields by number, for the rules that judge what
/// one side lacks: buf's shape, where a deleted field is judged on its parent message.
/// </summary>
internal sealed record MessagePair(
    IReadOnlyDictionary<int, FieldShape> SenderFields,
    IReadOnlyDictionary<int, FieldShape> ReceiverFields,
    Flow Flow)
{
    public string SenderSide => Flow == Flow.Request ? "runtime" : "agent";

    public string ReceiverSide => Flow == Flow.Request ? "agent" : "runtime";

    public string DirectionName => Flow == Flow.Request ? "request" : "response";

    /// <summary>The sender's fields whose numbers the receiver's message does not have, by number.</summary>
    public IEnumerable<FieldShape> SenderOnly => SenderFields
        .Where(f => !ReceiverFields.ContainsKey(f.Key))
        .OrderBy(f => f.Key)
        .Select(f => f.Value);
}

/// <summary>
/// One field number both messages of a pair have: the sender's field and the receiver's. NestedSeverity is the worst
/// finding inside the two message types when both sides are messages.
/// </summary>
internal sealed record FieldPair(FieldShape Sender, FieldShape Receiver, Flow Flow, Severity? NestedSeverity)
{
    public FieldShape Runtime => Flow == Flow.Request ? Sender : Receiver;

    public FieldShape Agent => Flow == Flow.Request ? Receiver : Sender;

    /// <summary>Named as the runtime knows it: the runtime is what the user upgrades and reads.</summary>
    public string Subject => Runtime.FullName;

    public string SenderSide => Flow == Flow.Request ? "runtime" : "agent";

    public string ReceiverSide => Flow == Flow.Request ? "agent" : "runtime";

    public string DirectionName => Flow == Flow.Request ? "request" : "response";

    /// <summary>
    /// Whether the receiver's parser accepts what the sender writes: same wire class, and a packed repeated field
    /// (one length-delimited record) never lands on a singular numeric field. Parsers accept packed and unpacked
    /// encodings for any repeated numeric field, so packing alone never breaks the wire.
    /// </summary>
    public bool WireCompatible => Sender.Class == Receiver.Class && !(Sender.Packed && !Receiver.Repeated);

    public bool Is(Func<FieldShape, bool> test) => test(Sender) && test(Receiver);

    public bool ExactlyOne(Func<FieldShape, bool> test) => test(Sender) != test(Receiver);
}

/// <summary>
/// An enum pair: the sender's values (the first name of each number; with allow_alias several names share one) and
/// the receiver's names by number, for the rule that judges what the receiver lacks. RuntimeEnum names subjects.
/// </summary>
internal sealed record EnumPair(
    string SenderEnum,
    string RuntimeEnum,
    IReadOnlyList<(int Number, string Name)> SenderValues,
    IReadOnlyDictionary<int, string> ReceiverNames,
    Flow Flow)
{
    public string SenderSide => Flow == Flow.Request ? "runtime" : "agent";

    public string ReceiverSide => Flow == Flow.Request ? "agent" : "runtime";

    public string DirectionName => Flow == Flow.Request ? "request" : "response";

    public IEnumerable<(int Number, string Name)> SenderOnly => SenderValues.Where(v => !ReceiverNames.ContainsKey(v.Number));
}

/// <summary>One enum value number both sides define, as each side names it.</summary>
internal sealed record EnumValuePair(string EnumName, int Number, string SenderName, string ReceiverName, Flow Flow, string Subject)
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
        FieldType.String or FieldType.Bytes or FieldType.Message => WireClass.LengthDelimited,
        // ProtocolSurface refuses descriptors with such a field, so reaching here is a bug, not bad input.
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "not a protobuf field type"),
    };

    /// <summary>Whether a descriptor's field type is one protobuf defines (Google.Protobuf keeps any number it reads).</summary>
    public static bool IsKnown(FieldType type) => Enum.IsDefined(type);

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
