using Google.Protobuf;
using Google.Protobuf.Reflection;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// rust-protobuf compiles each descriptor into the binary with its source_code_info (every span and comment of the
/// .proto file). Nothing reads those, and they were most of the parse: the scanner hands out descriptors without them,
/// and what it hands out must be the found descriptor exactly, less that one field.
/// </summary>
public sealed class SourceCodeInfoTests
{
    [Fact]
    public void RustDescriptorsAreHandedOutWithoutTheirSourceInfoAndOtherwiseAsFound()
    {
        string path = Preflight.Tests.TestData.Generated("binaries", "agent-rust-2.0.0-amd64");
        byte[] bytes = File.ReadAllBytes(path);

        var found = DescriptorScanner.Scan(bytes, path);

        Assert.NotEmpty(found);
        int withSourceInfo = 0;
        foreach (var descriptor in found)
        {
            Assert.Equal("raw", descriptor.Encoding);
            FileDescriptorProto asFound = LongestParse(bytes.AsSpan((int)descriptor.Offset));
            FileDescriptorProto handedOut = FileDescriptorProto.Parser.ParseFrom(descriptor.Bytes);
            Assert.Null(handedOut.SourceCodeInfo);
            withSourceInfo += asFound.SourceCodeInfo is null ? 0 : 1;
            asFound.SourceCodeInfo = null;
            Assert.Equal(asFound, handedOut);
        }
        Assert.True(withSourceInfo > 0, "no descriptor of the Rust build carries source info: pick another fixture");
    }

    [Fact]
    public void ADescriptorWithoutSourceInfoIsHandedOutAsItIs()
    {
        // protoc without --include_source_info, as Kata's catalog sets are made.
        byte[] set = File.ReadAllBytes(Preflight.Tests.TestData.Generated("rules", "runtime.binpb"));
        byte[] file = FileDescriptorSet.Parser.ParseFrom(set).File.Single().ToByteArray();

        var kept = ProtoWireWalker.WithoutSourceCodeInfo(file);

        Assert.True(kept.Span.SequenceEqual(file));
    }

    [Fact]
    public void BytesThatDoNotWalkAreLeftForTheParserToJudge()
    {
        byte[] cut = [0x0A, 0x7F, 0x61]; // name: a length past the data

        Assert.True(ProtoWireWalker.WithoutSourceCodeInfo(cut).Span.SequenceEqual(cut));
    }

    /// <summary>The descriptor that starts here, as a whole: the longest run of its fields that parses.</summary>
    private static FileDescriptorProto LongestParse(ReadOnlySpan<byte> from)
    {
        var ends = ProtoWireWalker.FileDescriptorFieldEnds(from);
        for (int i = ends.Count - 1; i >= 0; i--)
        {
            try
            {
                return FileDescriptorProto.Parser.ParseFrom(from[..ends[i]].ToArray());
            }
            catch (InvalidProtocolBufferException)
            {
            }
        }
        throw new InvalidOperationException("no descriptor starts here");
    }
}
