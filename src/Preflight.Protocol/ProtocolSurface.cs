using Google.Protobuf;
using Google.Protobuf.Reflection;
using Preflight.Binaries;

namespace Preflight.Protocol;

/// <summary>One RPC as a side knows it. InputType/OutputType are full names without the leading dot, or null when
/// the method is known only from method-registration strings (Evidence "method-strings").</summary>
public sealed record MethodSurface(
    string Service,
    string Name,
    string? InputType,
    string? OutputType,
    bool ClientStreaming,
    bool ServerStreaming,
    string Evidence)
{
    public string FullName => Service + "/" + Name;

    public bool HasTypes => InputType is not null && OutputType is not null;
}

/// <summary>A service ("grpc.AgentService") and its methods, sorted by name.</summary>
public sealed record ServiceSurface(string FullName, IReadOnlyList<MethodSurface> Methods)
{
    public MethodSurface? Find(string method) => Methods.FirstOrDefault(m => m.Name == method);
}

/// <summary>
/// What one binary (or one set of .proto files) says about the protocol: services and methods, every message and enum
/// by full name, the transport, and the string constants found. Built from FileDescriptorProtos used as plain data;
/// file names are normalized and never compared.
/// </summary>
public sealed class ProtocolSurface
{
    public const string DescriptorEvidence = "descriptor";
    public const string MethodStringsEvidence = "method-strings";

    private readonly Dictionary<string, DescriptorProto> messages;
    private readonly Dictionary<string, EnumDescriptorProto> enums;

    private ProtocolSurface(
        IReadOnlyList<FileDescriptorProto> files,
        IReadOnlyDictionary<string, ServiceSurface> services,
        Dictionary<string, DescriptorProto> messages,
        Dictionary<string, EnumDescriptorProto> enums,
        IReadOnlyDictionary<string, string> syntaxByMessage,
        string? transport,
        IReadOnlyList<ConstantEvidence> constants)
    {
        Files = files;
        Services = services;
        this.messages = messages;
        this.enums = enums;
        SyntaxByMessage = syntaxByMessage;
        Transport = transport;
        Constants = constants;
    }

    /// <summary>The descriptors this surface was built from, with normalized file names, in first-seen order.</summary>
    public IReadOnlyList<FileDescriptorProto> Files { get; }

    public IReadOnlyDictionary<string, ServiceSurface> Services { get; }

    /// <summary>"grpc" (1.x), "ttrpc" (2.x and later) or null when unknown.</summary>
    public string? Transport { get; }

    public IReadOnlyList<ConstantEvidence> Constants { get; }

    /// <summary>"proto2" or "proto3" per message full name (decides whether repeated scalars are packed by default).</summary>
    internal IReadOnlyDictionary<string, string> SyntaxByMessage { get; }

    public bool HasDescriptors => Files.Count > 0;

    /// <summary>True when the surface knows nothing at all: no descriptors and no methods.</summary>
    public bool IsEmpty => Files.Count == 0 && Services.Count == 0;

    public IEnumerable<string> MessageNames => messages.Keys.Order(StringComparer.Ordinal);

    public DescriptorProto? FindMessage(string fullName) =>
        messages.TryGetValue(TrimDot(fullName), out var message) ? message : null;

    public EnumDescriptorProto? FindEnum(string fullName) =>
        enums.TryGetValue(TrimDot(fullName), out var value) ? value : null;

    public ProtocolSurface WithTransport(string? transport) =>
        new(Files, Services, messages, enums, SyntaxByMessage, NormalizeTransport(transport), Constants);

    public ProtocolSurface WithConstants(IReadOnlyList<ConstantEvidence> constants) =>
        new(Files, Services, messages, enums, SyntaxByMessage, Transport, constants);

    /// <summary>Every message and enum full name a method reaches through its request and response, nested, imported
    /// and map types included. Cycle-safe. Types the surface does not define are skipped.</summary>
    public IReadOnlyList<string> ReachableTypes(MethodSurface method)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>();
        if (method.InputType is not null) pending.Push(method.InputType);
        if (method.OutputType is not null) pending.Push(method.OutputType);
        while (pending.Count > 0)
        {
            string name = TrimDot(pending.Pop());
            if (!seen.Add(name))
            {
                continue;
            }
            if (messages.TryGetValue(name, out var message))
            {
                foreach (var field in message.Field)
                {
                    if (field.HasTypeName) pending.Push(field.TypeName);
                }
            }
            else if (!enums.ContainsKey(name))
            {
                seen.Remove(name);
            }
        }
        return seen.ToList();
    }

    public static ProtocolSurface FromDescriptors(IEnumerable<FileDescriptorProto> files, string? transport = null) =>
        Build(files, [], transport, []);

    /// <summary>A FileDescriptorSet as protoc --descriptor_set_out or buf build writes it (a .binpb file).</summary>
    public static ProtocolSurface FromDescriptorSet(ReadOnlySpan<byte> bytes, string? transport = null, string source = "descriptor set")
    {
        FileDescriptorSet set;
        try
        {
            set = FileDescriptorSet.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new ProtocolFormatException(source, "not a protobuf FileDescriptorSet: " + e.Message, e);
        }
        return Build(set.File, [], transport, []);
    }

    /// <summary>
    /// The surface of one binary: its embedded descriptors, plus methods known only from method-registration strings
    /// (Kata 3.2+ agents may carry no descriptors), plus its transport and the constants found in it.
    /// </summary>
    public static ProtocolSurface FromFacts(BinaryFacts facts)
    {
        ArgumentNullException.ThrowIfNull(facts);
        var files = new List<FileDescriptorProto>();
        foreach (var embedded in facts.Descriptors)
        {
            try
            {
                files.Add(FileDescriptorProto.Parser.ParseFrom(embedded.Bytes));
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new ProtocolFormatException(
                    $"{facts.Source} at offset {embedded.Offset}",
                    $"embedded descriptor {embedded.File} does not parse: {e.Message}", e);
            }
        }
        var methodsFromStrings = facts.Methods
            .Where(m => m.Evidence == MethodStringsEvidence)
            .Select(m => (m.Service, m.Method))
            .ToList();
        return Build(files, methodsFromStrings, TransportOf(facts), facts.Constants);
    }

    /// <summary>
    /// The scanner leaves Transport null when a binary links both libraries. Go's containerd/ttrpc itself imports
    /// grpc-go packages (status codes), while no Kata 1.x binary links ttrpc, so ttrpc among the libraries decides.
    /// </summary>
    private static string? TransportOf(BinaryFacts facts)
    {
        if (facts.Transport is not null)
        {
            return facts.Transport;
        }
        return facts.TransportLibraries.Contains("ttrpc") ? "ttrpc" : null;
    }

    /// <summary>
    /// Kata registers the same file under different names across generators (pkg/types/types.proto, long
    /// github.com/... paths); only the base name carries meaning. Well-known google/protobuf files keep their path.
    /// </summary>
    public static string NormalizeFileName(string name)
    {
        if (name.StartsWith("google/protobuf/", StringComparison.Ordinal))
        {
            return name;
        }
        int slash = name.LastIndexOf('/');
        return slash < 0 ? name : name[(slash + 1)..];
    }

    /// <summary>Maps what a binary scanner reports ("ttrpc", "github.com/containerd/ttrpc", "gRPC") to grpc/ttrpc.</summary>
    public static string? NormalizeTransport(string? transport)
    {
        if (string.IsNullOrWhiteSpace(transport))
        {
            return null;
        }
        string lower = transport.Trim().ToLowerInvariant();
        if (lower.Contains("ttrpc", StringComparison.Ordinal)) return "ttrpc";
        if (lower.Contains("grpc", StringComparison.Ordinal)) return "grpc";
        return lower;
    }

    internal static string TrimDot(string name) => name.StartsWith('.') ? name[1..] : name;

    private static ProtocolSurface Build(
        IEnumerable<FileDescriptorProto> input,
        IReadOnlyList<(string Service, string Method)> methodsFromStrings,
        string? transport,
        IReadOnlyList<ConstantEvidence> constants)
    {
        var files = new List<FileDescriptorProto>();
        var fileNames = new HashSet<string>(StringComparer.Ordinal);
        var messages = new Dictionary<string, DescriptorProto>(StringComparer.Ordinal);
        var enums = new Dictionary<string, EnumDescriptorProto>(StringComparer.Ordinal);
        var syntax = new Dictionary<string, string>(StringComparer.Ordinal);
        var methods = new Dictionary<string, SortedDictionary<string, MethodSurface>>(StringComparer.Ordinal);

        foreach (var original in input)
        {
            var file = original.Clone();
            file.Name = NormalizeFileName(file.Name);
            for (int i = 0; i < file.Dependency.Count; i++)
            {
                file.Dependency[i] = NormalizeFileName(file.Dependency[i]);
            }
            // A binary can carry the same file twice (two generated copies); the first one wins.
            if (!fileNames.Add(file.Name))
            {
                continue;
            }
            files.Add(file);
            string prefix = file.Package.Length == 0 ? "" : file.Package + ".";
            string fileSyntax = file.Syntax.Length == 0 ? "proto2" : file.Syntax;
            foreach (var message in file.MessageType)
            {
                IndexMessage(message, prefix, fileSyntax, messages, enums, syntax);
            }
            foreach (var enumType in file.EnumType)
            {
                enums.TryAdd(prefix + enumType.Name, enumType);
            }
            foreach (var service in file.Service)
            {
                var byName = GetOrAdd(methods, prefix + service.Name);
                foreach (var method in service.Method)
                {
                    byName.TryAdd(method.Name, new MethodSurface(
                        prefix + service.Name, method.Name, TrimDot(method.InputType), TrimDot(method.OutputType),
                        method.ClientStreaming, method.ServerStreaming, DescriptorEvidence));
                }
            }
        }

        // Descriptors and registration strings come from the same generated code, so where a service has a
        // descriptor its method list is complete and typed; strings only speak for services without one. (Go packs
        // string constants back to back, so string evidence is also the less precise of the two.)
        var described = methods.Keys.ToHashSet(StringComparer.Ordinal);
        foreach (var (service, method) in methodsFromStrings)
        {
            if (described.Contains(service))
            {
                continue;
            }
            GetOrAdd(methods, service).TryAdd(method, new MethodSurface(service, method, null, null, false, false, MethodStringsEvidence));
        }

        var services = new SortedDictionary<string, ServiceSurface>(StringComparer.Ordinal);
        foreach (var (name, byName) in methods)
        {
            services[name] = new ServiceSurface(name, byName.Values.ToList());
        }
        return new ProtocolSurface(files, services, messages, enums, syntax, NormalizeTransport(transport), constants);
    }

    private static SortedDictionary<string, MethodSurface> GetOrAdd(
        Dictionary<string, SortedDictionary<string, MethodSurface>> methods, string service)
    {
        if (!methods.TryGetValue(service, out var byName))
        {
            byName = new SortedDictionary<string, MethodSurface>(StringComparer.Ordinal);
            methods[service] = byName;
        }
        return byName;
    }

    private static void IndexMessage(
        DescriptorProto message,
        string prefix,
        string syntax,
        Dictionary<string, DescriptorProto> messages,
        Dictionary<string, EnumDescriptorProto> enums,
        Dictionary<string, string> syntaxByMessage)
    {
        // Nesting depth is bounded by the protobuf parser's recursion limit, so plain recursion is safe here.
        string fullName = prefix + message.Name;
        if (!messages.TryAdd(fullName, message))
        {
            return;
        }
        syntaxByMessage[fullName] = syntax;
        foreach (var nested in message.NestedType)
        {
            IndexMessage(nested, fullName + ".", syntax, messages, enums, syntaxByMessage);
        }
        foreach (var enumType in message.EnumType)
        {
            enums.TryAdd(fullName + "." + enumType.Name, enumType);
        }
    }
}
