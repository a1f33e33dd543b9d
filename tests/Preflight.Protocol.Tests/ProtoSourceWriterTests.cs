using System.Diagnostics;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>Writes each descriptor back as .proto text, compiles that with the real protoc and compares.</summary>
public class ProtoSourceWriterTests
{
    public static TheoryData<string> Sets()
    {
        var data = new TheoryData<string>();
        foreach (string version in Fixtures.Versions)
        {
            data.Add("history/" + version);
        }
        data.Add("misc/proto2");
        data.Add("misc/recursive");
        return data;
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void WrittenSourceCompilesBackToTheSameDescriptors(string set)
    {
        var original = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(TestData.Generated(["protocols", .. $"{set}.binpb".Split('/')])));
        var ours = original.File.Where(f => !f.Name.StartsWith("google/protobuf/", StringComparison.Ordinal)).ToList();
        string dir = Directory.CreateTempSubdirectory("proto-writer-").FullName;
        try
        {
            foreach (var file in ours)
            {
                File.WriteAllText(Path.Combine(dir, file.Name), ProtoSourceWriter.Write(file));
            }
            string output = Path.Combine(dir, "out.binpb");
            var args = new List<string> { "-I", dir, "--include_imports", "--descriptor_set_out=" + output };
            args.AddRange(ours.Select(f => Path.Combine(dir, f.Name)));
            RunProtoc(args);
            var compiled = FileDescriptorSet.Parser.ParseFrom(File.ReadAllBytes(output)).File.ToDictionary(f => f.Name);
            foreach (var file in ours)
            {
                Assert.Equal(Comparable(file), Comparable(compiled[file.Name]));
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void MapsOneofsOptionalAndStreamingAreWrittenAsSource()
    {
        var files = SurfaceTests.HistoryFiles("3.30.0");
        string agent = ProtoSourceWriter.Write(files.Single(f => f.Name == "agent.proto"));
        string oci = ProtoSourceWriter.Write(files.Single(f => f.Name == "oci.proto"));
        Assert.Contains("map<string, string> Annotations = 7;", oci, StringComparison.Ordinal);
        Assert.Contains("oneof ErrnoRet {", oci, StringComparison.Ordinal);
        Assert.Contains("optional bool disabled = 1;", agent, StringComparison.Ordinal);
        Assert.DoesNotContain("AnnotationsEntry", oci, StringComparison.Ordinal);
        string legacy = ProtoSourceWriter.Write(FileDescriptorSet.Parser.ParseFrom(
            File.ReadAllBytes(TestData.Generated("protocols", "misc", "proto2.binpb"))).File.Single(f => f.Name == "legacy.proto"));
        Assert.Contains("rpc Watch(stream .legacy.Settings) returns (stream .legacy.Settings);", legacy, StringComparison.Ordinal);
    }

    /// <summary>Drops what the writer leaves out on purpose: json_name (protoc derives it), source info, file options.</summary>
    private static FileDescriptorProto Comparable(FileDescriptorProto file)
    {
        var copy = file.Clone();
        copy.SourceCodeInfo = null;
        copy.Options = null;
        foreach (var message in copy.MessageType)
        {
            ClearJsonNames(message);
        }
        return copy;
    }

    private static void ClearJsonNames(DescriptorProto message)
    {
        foreach (var field in message.Field)
        {
            field.ClearJsonName();
        }
        foreach (var nested in message.NestedType)
        {
            ClearJsonNames(nested);
        }
    }

    private static void RunProtoc(IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("protoc") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, "protoc rejected the written source: " + errors);
    }
}

/// <summary>
/// Descriptors no compiler writes (crafted here, since no real tool makes them) are refused with the layer's
/// exception naming the problem, never an IndexOutOfRange, duplicate-key or empty-sequence crash.
/// </summary>
public class ProtoSourceWriterMalformedTests
{
    [Fact]
    public void OneofIndexOutOfRangeIsAFormatError()
    {
        var message = new DescriptorProto { Name = "Request" };
        message.OneofDecl.Add(new OneofDescriptorProto { Name = "choice" });
        message.Field.Add(new FieldDescriptorProto { Name = "a", Number = 1, Type = FieldDescriptorProto.Types.Type.String, OneofIndex = 5 });

        var error = Assert.Throws<ProtocolFormatException>(() => ProtoSourceWriter.Write(FileWith(message)));
        Assert.Equal("hostile.proto", error.File);
        Assert.Contains("oneof 5", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void DuplicateMapEntryIsAFormatError()
    {
        var message = MessageWithMap(MapEntry("LabelsEntry", withFields: true), MapEntry("LabelsEntry", withFields: true));
        var error = Assert.Throws<ProtocolFormatException>(() => ProtoSourceWriter.Write(FileWith(message)));
        Assert.Contains("map entry LabelsEntry twice", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void MapEntryWithoutFieldsIsAFormatError()
    {
        var message = MessageWithMap(MapEntry("LabelsEntry", withFields: false));
        var error = Assert.Throws<ProtocolFormatException>(() => ProtoSourceWriter.Write(FileWith(message)));
        Assert.Contains("has no key field", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingPastTheLimitIsAFormatErrorNotAStackOverflow()
    {
        var outer = new DescriptorProto { Name = "M0" };
        DescriptorProto current = outer;
        for (int i = 1; i <= ProtoSourceWriter.MaxNestingDepth; i++)
        {
            var inner = new DescriptorProto { Name = "M" + i };
            current.NestedType.Add(inner);
            current = inner;
        }
        var error = Assert.Throws<ProtocolFormatException>(() => ProtoSourceWriter.Write(FileWith(outer)));
        Assert.Contains($"more than {ProtoSourceWriter.MaxNestingDepth} messages deep", error.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AWellFormedMapIsStillWritten()
    {
        string source = ProtoSourceWriter.Write(FileWith(MessageWithMap(MapEntry("LabelsEntry", withFields: true))));
        Assert.Contains("map<string, string> labels = 1;", source, StringComparison.Ordinal);
    }

    private static FileDescriptorProto FileWith(DescriptorProto message)
    {
        var file = new FileDescriptorProto { Name = "hostile.proto", Package = "grpc", Syntax = "proto3" };
        file.MessageType.Add(message);
        return file;
    }

    private static DescriptorProto MessageWithMap(params DescriptorProto[] entries)
    {
        var message = new DescriptorProto { Name = "Request" };
        message.NestedType.Add(entries);
        message.Field.Add(new FieldDescriptorProto
        {
            Name = "labels", Number = 1, Label = FieldDescriptorProto.Types.Label.Repeated,
            Type = FieldDescriptorProto.Types.Type.Message, TypeName = ".grpc.Request.LabelsEntry",
        });
        return message;
    }

    private static DescriptorProto MapEntry(string name, bool withFields)
    {
        var entry = new DescriptorProto { Name = name, Options = new MessageOptions { MapEntry = true } };
        if (withFields)
        {
            entry.Field.Add(new FieldDescriptorProto { Name = "key", Number = 1, Type = FieldDescriptorProto.Types.Type.String });
            entry.Field.Add(new FieldDescriptorProto { Name = "value", Number = 2, Type = FieldDescriptorProto.Types.Type.String });
        }
        return entry;
    }
}
