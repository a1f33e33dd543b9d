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
    /// <summary>The libraries found, gRPC before ttrpc; empty when there is no evidence of either.</summary>
    public static IReadOnlyList<RpcTransport> Libraries(ReadOnlySpan<byte> data, GoBuildInfo? go)
    {
        bool grpc = false, ttrpc = false;
        if (go is not null)
        {
            foreach (var module in go.Modules)
            {
                grpc |= module.Path == "google.golang.org/grpc";
                ttrpc |= module.Path == "github.com/containerd/ttrpc";
            }
            // GOPATH builds (Debian's) have no module list: fall back to Go function names below.
        }
        grpc = grpc || data.IndexOf("google.golang.org/grpc.("u8) >= 0 || HasCrate(data, "grpcio-"u8) || HasCrate(data, "tonic-"u8);
        ttrpc = ttrpc || data.IndexOf("github.com/containerd/ttrpc.("u8) >= 0 || HasCrate(data, "ttrpc-"u8);
        var libraries = new List<RpcTransport>();
        if (grpc)
        {
            libraries.Add(RpcTransport.Grpc);
        }
        if (ttrpc)
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

    /// <summary>A crate directory in a cargo registry path: "/name-" followed by a version digit.</summary>
    private static bool HasCrate(ReadOnlySpan<byte> data, ReadOnlySpan<byte> crateDash)
    {
        for (int from = 0; from < data.Length;)
        {
            int index = data[from..].IndexOf(crateDash);
            if (index < 0)
            {
                return false;
            }
            int at = from + index;
            int after = at + crateDash.Length;
            if (at > 0 && data[at - 1] == (byte)'/' && after < data.Length && char.IsAsciiDigit((char)data[after]))
            {
                return true;
            }
            from = at + 1;
        }
        return false;
    }
}
