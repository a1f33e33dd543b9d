using Preflight.Binaries;
using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>Descriptor sets made by testdata/protocols/make.sh with protoc.</summary>
internal static class Fixtures
{
    public static IReadOnlyList<string> Versions { get; } =
        File.ReadAllLines(TestData.Generated("protocols", "history", "versions.txt")).Where(l => l.Length > 0).ToList();

    public static byte[] HistoryBytes(string version) =>
        File.ReadAllBytes(TestData.Generated("protocols", "history", version + ".binpb"));

    /// <summary>1.x speaks gRPC, 2.x and later ttrpc (kata-facts "Transport").</summary>
    public static RpcTransport TransportOf(string version) => version.StartsWith("1.", StringComparison.Ordinal) ? RpcTransport.Grpc : RpcTransport.Ttrpc;

    public static ProtocolSurface History(string version, bool withTransport = false) =>
        ProtocolSurface.FromDescriptorSet(HistoryBytes(version), withTransport ? TransportOf(version) : RpcTransport.Unknown);

    public static ProtocolSurface Case(string rule, string side) =>
        ProtocolSurface.FromDescriptorSet(File.ReadAllBytes(TestData.Generated("protocols", "cases", $"{rule}.{side}.binpb")));

    public static string Describe(IEnumerable<Finding> findings) =>
        string.Join("\n", findings.Select(f => $"{f.Severity} {f.Rule} {f.Subject} [{f.Direction}] {f.Message}"));
}
