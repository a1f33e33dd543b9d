using Google.Protobuf;
using Google.Protobuf.Reflection;
using Preflight.Binaries;

namespace Preflight.Protocol;

/// <summary>Where a protocol fact comes from. Reports print it; the rules decide what it can prove.</summary>
public enum Evidence
{
    /// <summary>A descriptor compiled into the binary (or a descriptor set given as input).</summary>
    Descriptor,

    /// <summary>A method-registration string ("/grpc.AgentService/CreateContainer") in the binary.</summary>
    MethodString,

    /// <summary>The method's path occurs in the binary's bytes, asked for by name; its end was not delimited.</summary>
    ByteImage,

    /// <summary>Kata's protocol at the binary's release, from the shipped release catalog, not from the binary.</summary>
    Catalog,
}

/// <summary>
/// One RPC as a side knows it. InputType/OutputType are full names without the leading dot, or null when the method
/// is known only by name. Evidence is where the method itself is known from.
/// </summary>
public sealed record MethodSurface(
    string Service,
    string Name,
    string? InputType,
    string? OutputType,
    bool ClientStreaming,
    bool ServerStreaming,
    Evidence Evidence)
{
    public string FullName => Service + "/" + Name;

    public bool HasTypes => InputType is not null && OutputType is not null;

    /// <summary>This method typed with another method's signature (its release's, or the other side's).</summary>
    public MethodSurface WithSignatureOf(MethodSurface other) => this with
    {
        InputType = other.InputType,
        OutputType = other.OutputType,
        ClientStreaming = other.ClientStreaming,
        ServerStreaming = other.ServerStreaming,
    };
}

/// <summary>
/// A service ("grpc.AgentService") and its methods, sorted by name. Complete is true when the source lists every
/// method (a service descriptor, or the catalog's protocol of the binary's own release): only then does a method's
/// absence here prove the side lacks it.
/// </summary>
public sealed record ServiceSurface(string FullName, IReadOnlyList<MethodSurface> Methods, bool Complete, Evidence Evidence)
{
    public MethodSurface? Find(string method) => Methods.FirstOrDefault(m => m.Name == method);
}

/// <summary>The answer to "does this side have X?" from what was read: yes, proven no, or not known.</summary>
public enum Presence
{
    Present,
    Absent,
    Unknown,
}

/// <summary>
/// What one binary (or one set of .proto files) says about the protocol: services and methods, every message and enum
/// by full name, the transport, and the string constants found. Built from FileDescriptorProtos used as plain data;
/// file names are normalized and never compared.
/// </summary>
public sealed class ProtocolSurface
{
    private readonly Dictionary<string, DescriptorProto> messages;
    private readonly Dictionary<string, EnumDescriptorProto> enums;

    private ProtocolSurface(
        IReadOnlyList<FileDescriptorProto> files,
        IReadOnlyDictionary<string, ServiceSurface> services,
        Dictionary<string, DescriptorProto> messages,
        Dictionary<string, EnumDescriptorProto> enums,
        IReadOnlyDictionary<string, string> syntaxByMessage,
        RpcTransport transport,
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

    /// <summary>Method-path texts of the binary (empty for a descriptor set), for <see cref="ProbeMethod"/>.</summary>
    public IReadOnlyList<MethodPathRun> PathRuns { get; private init; } = [];

    /// <summary>
    /// The catalog protocol this surface was completed from ("3.29.0", the distinct set's first release), or null
    /// when every fact is the binary's own. For a catalog surface itself, its own name.
    /// </summary>
    public string? CatalogProtocol { get; private init; }

    /// <summary>What the catalog supplied, in words, for reports ("grpc.Health (service)", "types of 33 methods").</summary>
    public IReadOnlyList<string> CatalogParts { get; private init; } = [];

    /// <summary>The release version the binary states ("2.2.0"), when known.</summary>
    public string? Version { get; private init; }

    /// <summary>
    /// The release whose Go runtime's calls decide which RPCs this side requires (required.tsv analysed Kata's Go
    /// runtime); null for a runtime of another kind or an unknown version, which is held to what every analysed
    /// release requires.
    /// </summary>
    public string? RequiredRpcsRelease { get; private init; }

    /// <summary>The descriptors this surface was built from, with normalized file names, in first-seen order.</summary>
    public IReadOnlyList<FileDescriptorProto> Files { get; }

    public IReadOnlyDictionary<string, ServiceSurface> Services { get; }

    /// <summary>gRPC (1.x), ttrpc (2.x and later) or Unknown; a resolved protocol's is <see cref="ProtocolTransport.Resolve"/>'s.</summary>
    public RpcTransport Transport { get; }

    public IReadOnlyList<ConstantEvidence> Constants { get; }

    /// <summary>"proto2" or "proto3" per message full name (decides whether repeated scalars are packed by default).</summary>
    internal IReadOnlyDictionary<string, string> SyntaxByMessage { get; }

    public bool HasDescriptors => Files.Count > 0;

    /// <summary>True when the surface knows nothing at all: no descriptors and no methods.</summary>
    public bool IsEmpty => Files.Count == 0 && Services.Count == 0;

    public DescriptorProto? FindMessage(string fullName) =>
        messages.TryGetValue(TrimDot(fullName), out var message) ? message : null;

    public EnumDescriptorProto? FindEnum(string fullName) =>
        enums.TryGetValue(TrimDot(fullName), out var value) ? value : null;

    public ProtocolSurface WithTransport(RpcTransport transport) =>
        new(Files, Services, messages, enums, SyntaxByMessage, transport, Constants)
        {
            PathRuns = PathRuns, CatalogProtocol = CatalogProtocol, CatalogParts = CatalogParts, Version = Version,
            RequiredRpcsRelease = RequiredRpcsRelease,
        };

    /// <summary>This surface with its string-constant evidence replaced (the catalog's, when the binary's was unreadable).</summary>
    internal ProtocolSurface WithConstants(IReadOnlyList<ConstantEvidence> constants) =>
        new(Files, Services, messages, enums, SyntaxByMessage, Transport, constants)
        {
            PathRuns = PathRuns, CatalogProtocol = CatalogProtocol, CatalogParts = [.. CatalogParts, "storage drivers and device types"], Version = Version,
            RequiredRpcsRelease = RequiredRpcsRelease,
        };

    /// <param name="callsAsRelease">Whether this side calls what its release's Go runtime calls (true for the catalog's
    /// own protocols and Go runtimes; false for runtime-rs and other clients).</param>
    public ProtocolSurface WithVersion(string? version, bool callsAsRelease = true) =>
        new(Files, Services, messages, enums, SyntaxByMessage, Transport, Constants)
        {
            PathRuns = PathRuns, CatalogProtocol = CatalogProtocol, CatalogParts = CatalogParts, Version = version,
            RequiredRpcsRelease = callsAsRelease ? version : null,
        };

    /// <summary>
    /// This binary's own protocol completed with its release's protocol from the catalog, own facts first: a service
    /// the binary describes completely stays as it is; a service known only by name gets the release's method
    /// signatures, and the release's other methods unless the binary's bytes prove it lacks them; a service the
    /// binary shows nothing of comes from the release unless its bytes prove there is no server for it; messages and
    /// enums the binary does not define come from the release. What was taken is listed in CatalogParts.
    /// </summary>
    internal ProtocolSurface CompletedFrom(ProtocolSurface release, string protocol, IEnumerable<string> expectedServices)
    {
        var parts = new List<string>();
        var services = new SortedDictionary<string, ServiceSurface>(Services.ToDictionary(), StringComparer.Ordinal);
        foreach (string name in expectedServices.Order(StringComparer.Ordinal))
        {
            if (!release.Services.TryGetValue(name, out var releaseService))
            {
                continue;
            }
            services.TryGetValue(name, out var own);
            if (own is { Complete: true })
            {
                continue;
            }
            if (own is null)
            {
                if (ProbeService(name) != Presence.Absent)
                {
                    services[name] = releaseService;
                    parts.Add($"{name} ({releaseService.Methods.Count} methods)");
                }
                continue;
            }
            var known = releaseService.Methods.Select(m => m.Name).Concat(own.Methods.Select(m => m.Name)).ToHashSet(StringComparer.Ordinal);
            var methods = new SortedDictionary<string, MethodSurface>(StringComparer.Ordinal);
            int typed = 0;
            foreach (var method in own.Methods)
            {
                var releaseMethod = releaseService.Find(method.Name);
                if (!method.HasTypes && releaseMethod is not null)
                {
                    methods[method.Name] = method.WithSignatureOf(releaseMethod);
                    typed++;
                }
                else
                {
                    methods[method.Name] = method;
                }
            }
            int added = 0;
            foreach (var releaseMethod in releaseService.Methods)
            {
                if (methods.ContainsKey(releaseMethod.Name))
                {
                    continue;
                }
                var presence = ProbeMethod(name, releaseMethod.Name, known);
                if (presence == Presence.Absent)
                {
                    continue;
                }
                methods[releaseMethod.Name] = presence == Presence.Present
                    ? releaseMethod with { Evidence = Evidence.ByteImage }
                    : releaseMethod;
                added++;
            }
            services[name] = new ServiceSurface(name, methods.Values.ToList(), true, own.Evidence);
            parts.Add($"{name}: signatures of {typed + added} methods" + (added > 0 ? $", {added} of them not named by a delimited string" : ""));
        }

        // Only the types the services reach and the binary leaves undefined come from the release: a message nobody
        // sends is no part of the comparison, and taking it would only blur what the binary itself said.
        var mergedMessages = new Dictionary<string, DescriptorProto>(messages, StringComparer.Ordinal);
        var mergedEnums = new Dictionary<string, EnumDescriptorProto>(enums, StringComparer.Ordinal);
        var mergedSyntax = new Dictionary<string, string>(SyntaxByMessage.ToDictionary(), StringComparer.Ordinal);
        int addedMessages = 0;
        var pending = new Stack<string>(services.Values.SelectMany(s => s.Methods)
            .SelectMany(m => new[] { m.InputType, m.OutputType }).OfType<string>());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            string name = TrimDot(pending.Pop());
            if (!seen.Add(name) || IsWellKnown(name))
            {
                continue; // well-known types have a fixed shape; their absence from a binary hides nothing
            }
            if (!mergedMessages.TryGetValue(name, out var message) && release.messages.TryGetValue(name, out message))
            {
                mergedMessages[name] = message;
                mergedSyntax[name] = release.SyntaxByMessage[name];
                addedMessages++;
                AddNestedEnums(release, name, message, mergedEnums);
            }
            if (message is null)
            {
                if (!mergedEnums.ContainsKey(name) && release.enums.TryGetValue(name, out var enumType))
                {
                    mergedEnums[name] = enumType;
                }
                continue;
            }
            foreach (var field in message.Field)
            {
                if (field.HasTypeName)
                {
                    pending.Push(field.TypeName);
                }
            }
        }
        if (addedMessages > 0)
        {
            parts.Add(messages.Count == 0 ? $"every message ({addedMessages})" : $"{addedMessages} message(s) the binary does not describe");
        }
        return new ProtocolSurface(Files, services, mergedMessages, mergedEnums, mergedSyntax, Transport, Constants)
        {
            PathRuns = PathRuns,
            Version = Version,
            RequiredRpcsRelease = RequiredRpcsRelease,
            CatalogProtocol = parts.Count > 0 ? protocol : null,
            CatalogParts = parts,
        };
    }

    /// <summary>This surface marked as the catalog's protocol <paramref name="protocol"/> in full.</summary>
    internal ProtocolSurface AsCatalog(string protocol)
    {
        var services = Services.ToDictionary(
            s => s.Key,
            s => s.Value with { Evidence = Evidence.Catalog, Methods = s.Value.Methods.Select(m => m with { Evidence = Evidence.Catalog }).ToList() },
            StringComparer.Ordinal);
        return new(Files, services, messages, enums, SyntaxByMessage, Transport, Constants)
        {
            CatalogProtocol = protocol,
            CatalogParts = ["the whole protocol"],
        };
    }

    /// <summary>Whether a message type is defined here (well-known google.protobuf types count as defined: their
    /// shape is fixed by the protobuf project and binaries often leave their descriptors out).</summary>
    public bool Defines(string typeName)
    {
        string name = TrimDot(typeName);
        return IsWellKnown(name) || messages.ContainsKey(name) || enums.ContainsKey(name);
    }

    internal static bool IsWellKnown(string name) => name.StartsWith("google.protobuf.", StringComparison.Ordinal);

    private static void AddNestedEnums(ProtocolSurface release, string messageName, DescriptorProto message, Dictionary<string, EnumDescriptorProto> into)
    {
        foreach (var enumType in message.EnumType)
        {
            string name = messageName + "." + enumType.Name;
            if (release.enums.TryGetValue(name, out var value))
            {
                into.TryAdd(name, value);
            }
        }
    }

    /// <summary>
    /// Whether the binary's bytes hold this method's path ("/grpc.AgentService/SignalProcess"), the registration
    /// form ttrpc-rust up to 0.6 and gRPC use. Present: some path text starts with the name and no longer name in
    /// <paramref name="knownNames"/> explains it better ("AddSwapPath" is not "AddSwap"). Absent: the binary registers
    /// this service's methods as path strings (a path of it occurs outside ttrpc's "is not supported" default
    /// handler text) and none starts with this name, so no server in it can route the call. Anything else is
    /// Unknown: a binary that builds names at run time (ttrpc-rust 0.7+) proves nothing by missing bytes.
    /// </summary>
    public Presence ProbeMethod(string service, string method, IReadOnlyCollection<string> knownNames)
    {
        foreach (var run in PathRuns)
        {
            if (run.Service == service && run.Run.StartsWith(method, StringComparison.Ordinal)
                && LongestKnownPrefix(run.Run, method, knownNames) == method)
            {
                return Presence.Present;
            }
        }
        return RegistersByPath(service) ? Presence.Absent : Presence.Unknown;
    }

    /// <summary>
    /// Whether the binary's bytes hold any path of this service. Absent only when the binary registers some other
    /// service by path strings and none of this one occurs: then it has no server for it.
    /// </summary>
    public Presence ProbeService(string service)
    {
        if (PathRuns.Any(r => r.Service == service))
        {
            return Presence.Present;
        }
        return PathRuns.Select(r => r.Service).Distinct().Any(RegistersByPath) ? Presence.Absent : Presence.Unknown;
    }

    /// <summary>
    /// A registration table names every method of its service, so the binary registers a service by path strings
    /// when at least <see cref="MinRegisteredPaths"/> distinct paths of it occur outside ttrpc's "is not supported"
    /// text. One or two (a log message, an error text) are no such table and prove nothing by what they leave out.
    /// </summary>
    private bool RegistersByPath(string service) =>
        PathRuns.Where(r => r.Service == service && !r.InNotSupportedMessage).Select(r => r.Run).Distinct().Take(MinRegisteredPaths).Count()
            >= MinRegisteredPaths;

    private const int MinRegisteredPaths = 3;

    private static string LongestKnownPrefix(string run, string method, IReadOnlyCollection<string> knownNames)
    {
        string best = method;
        foreach (string name in knownNames)
        {
            if (name.Length > best.Length && run.StartsWith(name, StringComparison.Ordinal))
            {
                best = name;
            }
        }
        return best;
    }

    public static ProtocolSurface FromDescriptors(IEnumerable<FileDescriptorProto> files, RpcTransport transport = RpcTransport.Unknown)
    {
        var list = files.ToList();
        RejectUnknownFieldTypes(list, "descriptors");
        return Build(list, [], transport, []);
    }

    /// <summary>A FileDescriptorSet as protoc --descriptor_set_out or buf build writes it (a .binpb file).</summary>
    public static ProtocolSurface FromDescriptorSet(ReadOnlySpan<byte> bytes, RpcTransport transport = RpcTransport.Unknown, string source = "descriptor set")
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
        RejectUnknownFieldTypes(set.File, source);
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
            FileDescriptorProto file;
            try
            {
                file = FileDescriptorProto.Parser.ParseFrom(embedded.Bytes);
            }
            catch (InvalidProtocolBufferException e)
            {
                throw new ProtocolFormatException(
                    $"{facts.Source} at offset {embedded.Offset}",
                    $"embedded descriptor {embedded.File} does not parse: {e.Message}", e);
            }
            RejectUnknownFieldTypes([file], $"{facts.Source} at offset {embedded.Offset}");
            // Comments and source positions (gogo's descriptors keep them) take part in no comparison and no
            // output, and copying them was a tenth of a check's time.
            file.SourceCodeInfo = null;
            files.Add(file);
        }
        var methodsFromStrings = facts.Methods
            .Where(m => m.Source == MethodSource.MethodString)
            .Select(m => (m.Service, m.Method))
            .ToList();
        var surface = Build(files, methodsFromStrings, ProtocolTransport.OfBinary(facts), facts.Constants);
        return new ProtocolSurface(surface.Files, surface.Services, surface.messages, surface.enums, surface.SyntaxByMessage,
            surface.Transport, surface.Constants)
        {
            PathRuns = facts.MethodPaths,
        };
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

    /// <summary>
    /// Google.Protobuf keeps a field type number descriptor.proto does not define. buf and Go's protodesc refuse such
    /// a descriptor, and so do we, rather than guess how the field travels on the wire.
    /// </summary>
    private static void RejectUnknownFieldTypes(IEnumerable<FileDescriptorProto> files, string source)
    {
        foreach (var file in files)
        {
            string prefix = file.Package.Length == 0 ? "" : file.Package + ".";
            foreach (var message in file.MessageType)
            {
                RejectUnknownFieldTypes(message, prefix, source);
            }
        }
    }

    private static void RejectUnknownFieldTypes(DescriptorProto message, string prefix, string source)
    {
        // Nesting depth is bounded by the protobuf parser's recursion limit, as in IndexMessage.
        string fullName = prefix + message.Name;
        foreach (var field in message.Field)
        {
            if (field.HasType && !Walking.FieldTypes.IsKnown(field.Type))
            {
                throw new ProtocolFormatException(source,
                    $"field {fullName}.{field.Name} (number {field.Number}) has type {(int)field.Type}, which is no protobuf field type");
            }
        }
        foreach (var nested in message.NestedType)
        {
            RejectUnknownFieldTypes(nested, fullName + ".", source);
        }
    }

    internal static string TrimDot(string name) => name.StartsWith('.') ? name[1..] : name;

    private static ProtocolSurface Build(
        IEnumerable<FileDescriptorProto> input,
        IReadOnlyList<(string Service, string Method)> methodsFromStrings,
        RpcTransport transport,
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
                        method.ClientStreaming, method.ServerStreaming, Evidence.Descriptor));
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
            GetOrAdd(methods, service).TryAdd(method, new MethodSurface(service, method, null, null, false, false, Evidence.MethodString));
        }

        var services = new SortedDictionary<string, ServiceSurface>(StringComparer.Ordinal);
        foreach (var (name, byName) in methods)
        {
            bool complete = described.Contains(name);
            services[name] = new ServiceSurface(name, byName.Values.ToList(), complete, complete ? Evidence.Descriptor : Evidence.MethodString);
        }
        return new ProtocolSurface(files, services, messages, enums, syntax, transport, constants);
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
