using Google.Protobuf.Reflection;
using Preflight.Protocol;

namespace Preflight.Tests;

public class FingerprintTests
{
    private static string Print(ProtocolSurface surface) =>
        ProtocolFingerprint.Compute(surface, CompatibilityOptions.Default) ?? throw new Xunit.Sdk.XunitException("no fingerprint");

    [Fact]
    public void SameVersionGivesTheSameFingerprint()
    {
        foreach (string version in Fixtures.Versions)
        {
            string first = Print(Fixtures.History(version));
            Assert.Equal(first, Print(Fixtures.History(version)));
            Assert.Matches("^sha256:[0-9a-f]{64}$", first);
        }
    }

    [Fact]
    public void EveryModelledVersionChangesTheWire()
    {
        var prints = Fixtures.Versions.Select(v => Print(Fixtures.History(v))).ToList();
        Assert.Equal(prints.Count, prints.Distinct().Count());
    }

    [Fact]
    public void FileOrderDoesNotMatter()
    {
        var files = SurfaceTests.HistoryFiles("3.5.0");
        files.Reverse();
        Assert.Equal(Print(Fixtures.History("3.5.0")), Print(ProtocolSurface.FromDescriptors(files)));
    }

    [Theory]
    [InlineData("FIELD_RENAMED", true)]
    [InlineData("ENUM_VALUE_RENAMED", true)]
    [InlineData("TRANSPORT_MISMATCH", true)]
    [InlineData("FIELD_ZIGZAG_CHANGED", false)]
    [InlineData("FIELD_PACKING_CHANGED", false)]
    [InlineData("FIELD_WIRE_TYPE_CHANGED", false)]
    [InlineData("RPC_STREAMING_CHANGED", false)]
    [InlineData("ENUM_VALUE_UNKNOWN_TO_RECEIVER", false)]
    public void NamesDoNotCountWireChangesDo(string rule, bool equal)
    {
        string runtime = Print(Fixtures.Case(rule, "runtime"));
        string agent = Print(Fixtures.Case(rule, "agent"));
        Assert.Equal(equal, runtime == agent);
    }

    [Fact]
    public void MessageIdentityIsStructural()
    {
        // Move every message of 1.12.1 into another package: full names change, the wire does not.
        var files = SurfaceTests.HistoryFiles("1.12.1");
        string before = Print(ProtocolSurface.FromDescriptors(files));
        foreach (var file in files.Where(f => f.Package == "types"))
        {
            file.Package = "moved";
        }
        foreach (var message in files.SelectMany(f => f.MessageType))
        {
            foreach (var field in message.Field.Where(f => f.TypeName.StartsWith(".types.", StringComparison.Ordinal)))
            {
                field.TypeName = ".moved." + field.TypeName[".types.".Length..];
            }
        }
        foreach (var method in files.SelectMany(f => f.Service).SelectMany(s => s.Method))
        {
            method.OutputType = method.OutputType.Replace(".types.", ".moved.", StringComparison.Ordinal);
        }
        Assert.Equal(before, Print(ProtocolSurface.FromDescriptors(files)));
    }

    [Fact]
    public void RecursiveTypesTerminateAndAreStable()
    {
        var options = CompatibilityOptions.Default with { ExpectedServices = new HashSet<string> { "grpc.AgentService" } };
        string? first = ProtocolFingerprint.Compute(SurfaceTests.Misc("recursive"), options);
        Assert.NotNull(first);
        Assert.Equal(first, ProtocolFingerprint.Compute(SurfaceTests.Misc("recursive"), options));
        Assert.NotEqual(ProtocolFingerprint.Compute(Fixtures.History("1.0.0"), options), first);
    }
}
