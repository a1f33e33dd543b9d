namespace Preflight.Binaries;

/// <summary>An RPC transport: the library a side links, and the wire protocol a protocol is spoken over.</summary>
public enum RpcTransport
{
    /// <summary>Not shown by what was read (no library, or both, or a descriptor set, which names none).</summary>
    Unknown,
    Grpc,
    Ttrpc,
}

public static class RpcTransportNames
{
    /// <summary>The name reports and messages print ("grpc", "ttrpc"); null for Unknown, which they word themselves.</summary>
    public static string? Name(this RpcTransport transport) => transport switch
    {
        RpcTransport.Grpc => "grpc",
        RpcTransport.Ttrpc => "ttrpc",
        _ => null,
    };
}

/// <summary>
/// Which RPC libraries a binary links: gRPC (grpc-go, grpcio, tonic) or ttrpc (containerd/ttrpc, ttrpc-rust). Go
/// binaries name their packages in build info and in the function names every Go binary keeps for stack traces;
/// Rust binaries keep crate source paths (".cargo/registry/src/.../ttrpc-0.5.2/") in panic locations.
/// </summary>
public static class TransportDetector
{
    /// <summary>The libraries Go build info's module list names, gRPC before ttrpc.</summary>
    public static IReadOnlyList<RpcTransport> ModuleLibraries(GoBuildInfo? go)
    {
        var libraries = new List<RpcTransport>();
        // GOPATH builds (Debian's) have no module list: there the function names, read by Search, tell.
        if (go?.Modules.Any(m => m.Path == "google.golang.org/grpc") == true)
        {
            libraries.Add(RpcTransport.Grpc);
        }
        if (go?.Modules.Any(m => m.Path == "github.com/containerd/ttrpc") == true)
        {
            libraries.Add(RpcTransport.Ttrpc);
        }
        return libraries;
    }

    /// <summary>
    /// The transport when the evidence names exactly one library; Unknown when it names none or both (a containerd
    /// client links both, and which one a given service uses cannot be told from library presence alone).
    /// </summary>
    public static RpcTransport Transport(IReadOnlyList<RpcTransport> libraries) => libraries.Count == 1 ? libraries[0] : RpcTransport.Unknown;

    /// <summary>
    /// The libraries named in a binary's text, window by window: a Go function name ("google.golang.org/grpc.(") or a
    /// Rust crate's registry directory ("/ttrpc-0.5.2/"). A library once seen is not looked for again.
    /// </summary>
    internal sealed class Search
    {
        private bool _grpc;
        private bool _ttrpc;

        public bool FoundBoth => _grpc && _ttrpc;

        public void ScanWindow(ReadOnlySpan<byte> text)
        {
            _grpc = _grpc || text.IndexOf("google.golang.org/grpc.("u8) >= 0 || HasCrate(text, "/grpcio-"u8) || HasCrate(text, "/tonic-"u8);
            _ttrpc = _ttrpc || text.IndexOf("github.com/containerd/ttrpc.("u8) >= 0 || HasCrate(text, "/ttrpc-"u8);
        }

        /// <summary>What was seen, gRPC before ttrpc (enum order).</summary>
        public SortedSet<RpcTransport> Found()
        {
            var found = new SortedSet<RpcTransport>();
            if (_grpc)
            {
                found.Add(RpcTransport.Grpc);
            }
            if (_ttrpc)
            {
                found.Add(RpcTransport.Ttrpc);
            }
            return found;
        }
    }

    /// <summary>A crate directory in a cargo registry path: "/name-" followed by a version digit.</summary>
    private static bool HasCrate(ReadOnlySpan<byte> data, ReadOnlySpan<byte> slashCrateDash)
    {
        for (int from = 0; from < data.Length;)
        {
            int index = data[from..].IndexOf(slashCrateDash);
            if (index < 0)
            {
                return false;
            }
            int after = from + index + slashCrateDash.Length;
            if (after < data.Length && char.IsAsciiDigit((char)data[after]))
            {
                return true;
            }
            from += index + 1;
        }
        return false;
    }
}
