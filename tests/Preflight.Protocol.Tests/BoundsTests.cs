using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>Hostile-shaped input (a 5000-deep message chain compiled by protoc) ends in the layer's exception, never a stack overflow.</summary>
public class BoundsTests
{
    [Fact]
    public void DeepMessageChainIsRejectedNotFollowedToTheEnd()
    {
        var chain = SurfaceTests.Misc("chain");
        var error = Assert.Throws<ProtocolFormatException>(() => CompatibilityChecker.Compare(chain, SurfaceTests.Misc("chain"), CompatibilityOptions.Default));
        Assert.Contains("deeper than", error.Message, StringComparison.Ordinal);
        Assert.Throws<ProtocolFormatException>(() => ProtocolFingerprint.Compute(chain, CompatibilityOptions.Default));
    }

    [Fact]
    public void ChainAgainstAShallowAgentStopsWhereTheAgentStops()
    {
        // The agent's request has a string at field 1 where the chain has its next message, so the walk ends at once:
        // depth is bounded by what both sides share, not by one side's chain.
        var findings = CompatibilityChecker.Compare(SurfaceTests.Misc("chain"), Fixtures.Case("TRANSPORT_MISMATCH", "agent"), CompatibilityOptions.Default);
        HistoryTests.AssertHas(findings, "RPC_REQUEST_CHANGED", Severity.Block, "grpc.AgentService.CreateContainer");
        HistoryTests.AssertHas(findings, "FIELD_MESSAGE_BYTES_CHANGED", Severity.Block, "grpc.M0.next");
    }
}

/// <summary>
/// A field type number descriptor.proto does not define. protoc refuses to write one, so the set is built with
/// Google.Protobuf's own types; buf and Go's protodesc fail on it, and so must we, rather than guess its encoding.
/// </summary>
public class UnknownFieldTypeTests
{
    [Fact]
    public void AnUnknownFieldTypeIsAFormatErrorNamingTheInputAndTheField()
    {
        var message = new Google.Protobuf.Reflection.DescriptorProto { Name = "Request" };
        message.Field.Add(new Google.Protobuf.Reflection.FieldDescriptorProto
        {
            Name = "odd",
            Number = 3,
            Type = (Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type)99,
        });
        var outer = new Google.Protobuf.Reflection.DescriptorProto { Name = "Outer" };
        outer.NestedType.Add(message);
        var file = new Google.Protobuf.Reflection.FileDescriptorProto { Name = "odd.proto", Package = "grpc", Syntax = "proto3" };
        file.MessageType.Add(outer);
        var set = new Google.Protobuf.Reflection.FileDescriptorSet();
        set.File.Add(file);
        byte[] bytes = Google.Protobuf.MessageExtensions.ToByteArray(set);

        var error = Assert.Throws<ProtocolFormatException>(() => ProtocolSurface.FromDescriptorSet(bytes, source: "odd.binpb"));

        Assert.Equal("odd.binpb", error.File);
        Assert.Contains("grpc.Outer.Request.odd", error.Message, StringComparison.Ordinal);
        Assert.Contains("type 99", error.Message, StringComparison.Ordinal);
        Assert.Throws<ProtocolFormatException>(() => ProtocolSurface.FromDescriptors([file]));
    }
}
