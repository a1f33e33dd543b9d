using Google.Protobuf.Reflection;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>Descriptor sets written by protoc (testdata/real-binaries/make.sh): raw descriptors as protoc serializes them.</summary>
public sealed class ProtocDescriptorTests
{
    private static byte[] Set(string name) => File.ReadAllBytes(Preflight.Tests.TestData.Generated("real-binaries", name));

    [Fact]
    public void FindsTheRawDescriptorInsideADescriptorSet()
    {
        byte[] set = Set("shallow.pb");
        var descriptor = Assert.Single(DescriptorScanner.Scan(set));

        Assert.Equal("shallow.proto", descriptor.File);
        Assert.Equal("fixture.shallow", descriptor.Package);
        Assert.Equal(["fixture.shallow.Echo"], descriptor.Services);
        Assert.Equal("raw", descriptor.Encoding);
        // The set is one field-1 record holding the whole file: the descriptor runs from its offset to the end.
        var expected = FileDescriptorSet.Parser.ParseFrom(set).File.Single();
        Assert.Equal(expected, FileDescriptorProto.Parser.ParseFrom(descriptor.Bytes));
        Assert.Equal(set.Length - descriptor.Offset, descriptor.Bytes.Length);
    }

    [Fact]
    public void MethodsComeFromTheDescriptor()
    {
        var methods = BinaryInspectorHelpers.MethodsOfDescriptors(DescriptorScanner.Scan(Set("shallow.pb")));
        Assert.Equal(["fixture.shallow.Echo/Say", "fixture.shallow.Echo/Shout"], methods);
    }

    [Fact]
    public void NestingBeyondTheRecursionLimitIsSkipped()
    {
        byte[] set = Set("deep.pb");
        Assert.Equal("deep.proto", Assert.Single(DescriptorScanner.Scan(set)).File);
        Assert.Empty(DescriptorScanner.Scan(set, recursionLimit: 16));
    }

    [Fact]
    public void BytesAroundTheDescriptorDoNotLeakIn()
    {
        // Real code surrounds the descriptor: put containerd's first 64 KiB before and after it.
        byte[] prefix = File.ReadAllBytes(RealBinaries.PathOf("containerd"))[..65536];
        byte[] set = Set("shallow.pb");
        byte[] data = [.. prefix, .. set, .. prefix];
        var descriptor = Assert.Single(DescriptorScanner.Scan(data), d => d.File == "shallow.proto");
        Assert.Equal(FileDescriptorSet.Parser.ParseFrom(set).File.Single(), FileDescriptorProto.Parser.ParseFrom(descriptor.Bytes));
    }
}

internal static class BinaryInspectorHelpers
{
    public static List<string> MethodsOfDescriptors(IReadOnlyList<EmbeddedDescriptor> descriptors) =>
        descriptors
            .Select(d => FileDescriptorProto.Parser.ParseFrom(d.Bytes))
            .SelectMany(p => p.Service.SelectMany(s => s.Method.Select(m => $"{p.Package}.{s.Name}/{m.Name}")))
            .ToList();
}
