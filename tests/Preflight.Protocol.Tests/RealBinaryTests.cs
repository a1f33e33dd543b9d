using System.Text.Json;
using Preflight.Binaries;
using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>
/// The binaries testdata/binaries/make.sh builds with real Go/Rust/C toolchains from the protocol history: read
/// with BinaryInspector, each must match the history version it was built from, and real pairs must give the
/// verdicts the history predicts. This is the whole Binaries → Protocol path on real artifacts.
/// </summary>
public class RealBinaryTests
{
    public static TheoryData<string, string, string> Binaries()
    {
        var data = new TheoryData<string, string, string>();
        using var manifest = JsonDocument.Parse(File.ReadAllText(TestData.Generated("binaries", "manifest.json")));
        foreach (var entry in manifest.RootElement.GetProperty("binaries").EnumerateArray())
        {
            if (entry.TryGetProperty("protocolVersion", out var version) && version.ValueKind == JsonValueKind.String
                && Fixtures.Versions.Contains(version.GetString()!))
            {
                data.Add(entry.GetProperty("file").GetString()!, entry.GetProperty("role").GetString()!, version.GetString()!);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Binaries))]
    public void BinaryMatchesTheHistoryItWasBuiltFrom(string file, string role, string version)
    {
        var binary = Inspect(file);
        var history = Fixtures.History(version, withTransport: true);
        var findings = role == "runtime"
            ? CompatibilityChecker.Compare(binary, history, CompatibilityOptions.Default)
            : CompatibilityChecker.Compare(history, binary, CompatibilityOptions.Default);
        // A binary may carry some descriptors (oci.proto, say) without the service's: what counts is whether its
        // methods are typed.
        bool typed = binary.Services.TryGetValue("grpc.AgentService", out var service) && service.Methods.All(m => m.HasTypes);
        if (typed)
        {
            Assert.True(findings.All(f => f.Severity == Severity.Info), $"{file} against history {version}:\n{Fixtures.Describe(findings)}");
            Assert.Equal(ProtocolFingerprint.Compute(history, CompatibilityOptions.Default), ProtocolFingerprint.Compute(binary, CompatibilityOptions.Default));
        }
        else
        {
            // Only registration strings: method rules ran, field rules could not, and the report must say so.
            // (The method set itself is the binary scanner's to get right; its tests own that.)
            HistoryTests.AssertHas(findings, "FIELDS_UNVERIFIED", Severity.Warn, "grpc.AgentService");
            Assert.DoesNotContain(findings, f => f.Rule.StartsWith("FIELD_", StringComparison.Ordinal));
            Assert.NotEqual(Verdict.Pass, VerdictCalculator.From(findings));
        }
        // The C stand-ins link no RPC library at all; everything else must show its era's transport.
        if (!file.StartsWith("agent-c-", StringComparison.Ordinal))
        {
            Assert.Equal(Fixtures.TransportOf(version), binary.Transport);
        }
        Assert.True(binary.Transport == RpcTransport.Unknown || binary.Transport == Fixtures.TransportOf(version));
    }

    [Fact]
    public void Runtime110WithAgent100IsTheSeedFailure()
    {
        // kata-containers/agent#272: a 1.1.0 runtime sends storage driver "ephemeral", which agent 1.0.0 rejects.
        var runtime = Inspect("runtime-gogo-grpc-1.1.0-amd64");
        var agent = Inspect("agent-gogo-grpc-1.0.0-amd64");
        var findings = CompatibilityChecker.Compare(runtime, agent, CompatibilityOptions.Default);
        HistoryTests.AssertHas(findings, "RPC_MISSING", Severity.Warn, "grpc.AgentService.PauseContainer");
        HistoryTests.AssertHas(findings, "DRIVER_UNKNOWN_TO_AGENT", Severity.Warn, "ephemeral");
        Assert.Equal(Verdict.Warn, VerdictCalculator.From(findings));
    }

    [Fact]
    public void Runtime1xWithAgent2xCannotTalk()
    {
        var findings = CompatibilityChecker.Compare(Inspect("runtime-gogo-grpc-1.12.1-amd64"), Inspect("agent-rust-2.2.0-amd64"), CompatibilityOptions.Default);
        HistoryTests.AssertHas(findings, "TRANSPORT_MISMATCH", Severity.Block, "transport");
    }

    private static ProtocolSurface Inspect(string file) =>
        ProtocolSurface.FromFacts(BinaryInspector.InspectFile(
            TestData.Generated("binaries", file), CompatibilityOptions.Default.ConstantValues.ToList()));
}
