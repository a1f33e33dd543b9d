using Preflight.Binaries;
using Preflight.Protocol.Catalog;

namespace Preflight.Protocol;

/// <summary>
/// The transport a protocol is spoken over, decided here and nowhere else: from what a binary's libraries show
/// (Binaries' TransportDetector) and from the era of the release the protocol belongs to (kata-facts.md
/// "Transport": Kata 1.x speaks gRPC, 2.0.0 and later ttrpc). A protocol it cannot place stays Unknown, which
/// TRANSPORT_MISMATCH never judges.
/// </summary>
public static class ProtocolTransport
{
    /// <summary>The transport of a Kata release's era.</summary>
    public static RpcTransport OfRelease(KataVersion version) => version.Major == 1 ? RpcTransport.Grpc : RpcTransport.Ttrpc;

    /// <summary>
    /// What a binary's libraries show: the one it links; ttrpc when it links both (Go's containerd/ttrpc itself
    /// imports grpc-go packages for status codes, while no Kata 1.x binary links ttrpc); Unknown when it links none.
    /// </summary>
    public static RpcTransport OfBinary(BinaryFacts facts)
    {
        if (facts.Transport != RpcTransport.Unknown)
        {
            return facts.Transport;
        }
        return facts.TransportLibraries.Contains(RpcTransport.Ttrpc) ? RpcTransport.Ttrpc : RpcTransport.Unknown;
    }

    /// <summary>
    /// The transport of a resolved protocol: its own when known (the binary's libraries, or the era a catalog set
    /// was built with); else the era of the release the binary states; else the era every release with the same
    /// wire fingerprint shares (a descriptor set names no transport, Kata's own protocols of one era do).
    /// </summary>
    public static RpcTransport Resolve(RpcTransport own, KataRelease? statedRelease, IReadOnlyList<KataRelease> sameFingerprint)
    {
        if (own != RpcTransport.Unknown)
        {
            return own;
        }
        if (statedRelease is not null)
        {
            return OfRelease(statedRelease.Version);
        }
        var eras = sameFingerprint.Select(r => OfRelease(r.Version)).Distinct().ToList();
        return eras.Count == 1 ? eras[0] : RpcTransport.Unknown;
    }
}
