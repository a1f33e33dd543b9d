namespace Preflight.Binaries;

/// <summary>
/// Which RPC libraries a binary links: gRPC (grpc-go, grpcio, tonic) or ttrpc (containerd/ttrpc, ttrpc-rust). Go
/// binaries name their packages in build info and in the function names every Go binary keeps for stack traces;
/// Rust binaries keep crate source paths (".cargo/registry/src/.../ttrpc-0.5.2/") in panic locations.
/// </summary>
public static class TransportDetector
{
    public const string Grpc = "grpc";
    public const string Ttrpc = "ttrpc";

    /// <summary>The libraries found, sorted ("grpc", "ttrpc"); empty when there is no evidence of either.</summary>
    public static IReadOnlyList<string> Libraries(ReadOnlySpan<byte> data, GoBuildInfo? go)
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
        var libraries = new List<string>();
        if (grpc)
        {
            libraries.Add(Grpc);
        }
        if (ttrpc)
        {
            libraries.Add(Ttrpc);
        }
        return libraries;
    }

    /// <summary>
    /// The transport when the evidence names exactly one library; null when it names none or both (a containerd
    /// client links both, and which one a given service uses cannot be told from library presence alone).
    /// </summary>
    public static string? Transport(IReadOnlyList<string> libraries) => libraries.Count == 1 ? libraries[0] : null;

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
