namespace Preflight.Binaries;

/// <summary>
/// Everything kata-preflight learns from one executable without running it. Plain values only, so the protocol
/// layer can judge them and the CLI can print them. A fact the binary does not hold is null or empty, never a guess.
/// </summary>
/// <param name="Sha256">The file's SHA-256 in lower-case hex; null when the caller asked for none (nothing it prints
/// shows one).</param>
public sealed record BinaryFacts(
    string Source,
    long Size,
    string? Sha256,
    ElfInfo? Elf,
    IReadOnlyList<EmbeddedDescriptor> Descriptors,
    IReadOnlyList<MethodEvidence> Methods,
    RpcTransport Transport,
    GoBuildInfo? Go,
    VersionFacts? Version,
    IReadOnlyList<ConstantEvidence> Constants)
{
    /// <summary>
    /// Every RPC library the binary links (gRPC before ttrpc). Transport is set only when this names exactly one; a
    /// binary linking both (a containerd client) leaves Transport Unknown and lists both here.
    /// </summary>
    public IReadOnlyList<RpcTransport> TransportLibraries { get; init; } = [];

    /// <summary>
    /// Every "/package.Service/Name..." text in the binary as it stands, the name's end undecided (packed neighbours
    /// included). It answers "do these bytes occur at all?", which needs no end: a caller that knows which method it
    /// looks for checks whether some run starts with it. Unlike <see cref="Methods"/>, nothing here is a claim that a
    /// method exists.
    /// </summary>
    public IReadOnlyList<MethodPathRun> MethodPaths { get; init; } = [];
}

/// <summary>
/// One method-path-shaped text: the service ("grpc.AgentService") and the longest name-like run after its '/'
/// ("SignalProcessSoftware" where a packed neighbour follows). InNotSupportedMessage is true when the run is followed
/// by " is not supported": ttrpc-rust's generated default handler answers a method the server does not override with
/// that text, so such a run shows the generated code knows the method, not that a server registered it.
/// </summary>
public sealed record MethodPathRun(string Service, string Run, bool InNotSupportedMessage);

/// <summary>ELF identity: machine ("x86_64", "aarch64", "s390x", "ppc64le", ...), "little"/"big", 32/64.</summary>
public sealed record ElfInfo(string Machine, string Endianness, int Class, string? BuildId, bool Stripped);

/// <summary>
/// One serialized FileDescriptorProto found in the binary. Bytes is the serialized (decompressed) descriptor, ready
/// for Google.Protobuf's FileDescriptorProto.Parser, without the source_code_info a descriptor compiled with it
/// carries (spans and comments of the .proto file: nothing here reads them). Encoding is "raw" or "gzip"; Offset is where it starts in the file.
/// Methods lists every (qualified service, method) its services declare, read when the scanner parsed it, so the
/// method facts need no second parse.
/// </summary>
public sealed record EmbeddedDescriptor(
    string File,
    string Package,
    IReadOnlyList<string> Services,
    IReadOnlyList<(string Service, string Method)> Methods,
    string Encoding,
    long Offset,
    byte[] Bytes);

/// <summary>What a method fact rests on.</summary>
public enum MethodSource
{
    /// <summary>A service descriptor lists it (and, with it, every other method of that service).</summary>
    Descriptor,

    /// <summary>A delimited "/package.Service/Method" string; says nothing about the service's other methods.</summary>
    MethodString,
}

/// <summary>
/// A method the binary knows, as "package.Service/Method" full name ("grpc.AgentService/CreateContainer"),
/// with what the fact rests on.
/// </summary>
public sealed record MethodEvidence(string Service, string Method, MethodSource Source)
{
    public string FullName => Service + "/" + Method;

    /// <summary>The word reports print: "descriptor" or "method-strings".</summary>
    public string Evidence => Source == MethodSource.Descriptor ? "descriptor" : "method-strings";
}

/// <summary>Go build info as `go version -m` prints it.</summary>
public sealed record GoBuildInfo(
    string GoVersion,
    string? Path,
    GoModule? Main,
    IReadOnlyList<GoModule> Modules,
    IReadOnlyList<KeyValuePair<string, string>> Settings);

/// <summary>A module line of Go build info; Replacement is the "=>" line when the module was replaced.</summary>
public sealed record GoModule(string Path, string Version, string? Sum, GoModule? Replacement = null);

/// <summary>
/// Versions as far as the binary holds them. Evidence says where they came from (for example
/// "go-ldflags", "go-symbol", "go-buildinfo", "rust-str-pair"), so a reader can judge how far to trust them.
/// </summary>
public sealed record VersionFacts(string? Program, string? Version, string? ApiVersion, string? Commit, string Evidence);

/// <summary>
/// Whether a string constant the caller asked about is present in the binary as a constant of its own, and what the
/// answer rests on ("string-reference", "relocated-string-reference", "code-reference", "nul-terminated", or
/// "substring-only"; see ConstantScanner). Present is false when
/// the only occurrences are accidental substrings of unrelated strings. Occurrences counts the value's bytes in the
/// sections that hold data (the whole file when it has no section headers); bytes inside machine code are not text.
/// </summary>
public sealed record ConstantEvidence(string Value, bool Present, int Occurrences, string Evidence);
