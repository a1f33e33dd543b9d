using System.Buffers.Binary;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using FieldLabel = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Preflight.Cli.Tests;

/// <summary>
/// Inputs that are valid in form but over one of the protocol or TOML limits: each must end in exit 3 with one line
/// naming the problem, never exit 4 ("a bug") or a stack overflow. The descriptor sets are built here with
/// Google.Protobuf because no real tool produces hostile shapes like these; the shapes are those of issue 11.
/// </summary>
public class HostileInputExitTests
{
    [Fact]
    public void ADeepMessageChainIsExitThreeForDiffAndFingerprint()
    {
        string chain = WriteSet(Chain(300, cyclic: false));

        CliResult diff = Cli.Run("diff", "--agent", chain, "--runtime", chain);
        AssertOneLineExitThree(diff, "deeper than");

        CliResult fingerprint = Cli.Run("fingerprint", chain);
        AssertOneLineExitThree(fingerprint, "deeper than");
    }

    [Fact]
    public void ALongMessageCycleIsExitThree()
    {
        // M0 -> M1 -> ... -> M299 -> M0: a legal recursive type, but one whose every level must be walked.
        string cycle = WriteSet(Chain(300, cyclic: true));

        Assert.Equal(ExitCodes.Unreadable, Cli.Run("diff", "--agent", cycle, "--runtime", cycle).ExitCode);
        Assert.Equal(ExitCodes.Unreadable, Cli.Run("fingerprint", cycle).ExitCode);
    }

    [Fact]
    public void DeeplyNestedMessageDeclarationsAreExitThree()
    {
        // message M0 { message M1 { message M2 { ... } } }, 300 levels: past Google.Protobuf's recursion limit.
        var file = new FileDescriptorProto { Name = "nested.proto", Package = "grpc", Syntax = "proto3" };
        var outer = new DescriptorProto { Name = "M0" };
        file.MessageType.Add(outer);
        DescriptorProto current = outer;
        for (int i = 1; i < 300; i++)
        {
            var inner = new DescriptorProto { Name = "M" + i };
            current.NestedType.Add(inner);
            current = inner;
        }
        string nested = WriteSet(file);

        CliResult result = Cli.Run("fingerprint", nested);
        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.Single(result.Error.TrimEnd().Split('\n'));
    }

    [Theory]
    [InlineData("[a]\nx = ", "[", "]")]
    [InlineData("x = ", "{ y = ", " }")]
    public void TomlNestedPastTheParsersLimitIsExitThree(string head, string open, string close)
    {
        string text = head + string.Concat(Enumerable.Repeat(open, 5000)) + "1" + string.Concat(Enumerable.Repeat(close, 5000)) + "\n";
        string policy = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-toml-").FullName, "policy.toml");
        File.WriteAllText(policy, text);

        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--policy", policy);
        AssertOneLineExitThree(result, policy);
    }

    [Fact]
    public void ExportProtoOfADescriptorWithABadOneofIndexIsExitThree()
    {
        // A well-named descriptor whose field claims oneof 5 of a message with one oneof: it parses, so the scanner
        // keeps it, and only writing it back as source can see that it makes no sense.
        var message = new DescriptorProto { Name = "Request" };
        message.OneofDecl.Add(new OneofDescriptorProto { Name = "choice" });
        message.Field.Add(new FieldDescriptorProto { Name = "a", Number = 1, Type = FieldType.String, OneofIndex = 5, JsonName = "a" });
        var file = new FileDescriptorProto { Name = "hostile.proto", Package = "grpc", Syntax = "proto3" };
        file.MessageType.Add(message);
        string binary = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-hostile-").FullName, "agent");
        File.WriteAllBytes(binary, [.. MinimalElf64(), .. file.ToByteArray()]);

        CliResult result = Cli.Run("export-proto", binary, "--output", Directory.CreateTempSubdirectory("kata-preflight-export-").FullName);
        AssertOneLineExitThree(result, "hostile.proto: field Request.a is in oneof 5");
    }

    /// <summary>An ELF64 little-endian header with no program or section headers: the smallest file the ELF reader takes.</summary>
    private static byte[] MinimalElf64()
    {
        var header = new byte[64];
        ReadOnlySpan<byte> magic = [0x7F, (byte)'E', (byte)'L', (byte)'F'];
        magic.CopyTo(header);
        header[4] = 2; // ELFCLASS64
        header[5] = 1; // little-endian
        header[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(16), 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(18), 0x3E); // x86-64
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(52), 64); // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(54), 56); // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(58), 64); // e_shentsize
        return header;
    }

    public static TheoryData<string> MalformedSets() =>
    [
        "duplicate-message", "duplicate-file", "duplicate-service", "duplicate-method", "duplicate-field-number",
        "undefined-input-type", "empty-type-name", "oneof-out-of-range", "map-entry-without-fields", "enum-without-values",
        "self-referencing-map", "negative-field-number",
    ];

    /// <summary>
    /// Descriptor sets no compiler writes but a binary can carry: whatever diff and fingerprint make of them, they
    /// end in a verdict (0, 1) or exit 3, never in exit 4.
    /// </summary>
    [Theory]
    [MemberData(nameof(MalformedSets))]
    public void MalformedDescriptorSetsNeverExitFour(string shape)
    {
        string good = WriteSet(Chain(3, cyclic: false));
        string bad = WriteSet(Malformed(shape));
        foreach (string[] args in new[]
        {
            new[] { "diff", "--agent", bad, "--runtime", good },
            new[] { "diff", "--agent", good, "--runtime", bad },
            new[] { "diff", "--agent", bad, "--runtime", bad },
            new[] { "fingerprint", bad },
        })
        {
            CliResult result = Cli.Run(args);
            Assert.True(result.ExitCode is ExitCodes.Ok or ExitCodes.Block or ExitCodes.Unreadable,
                $"{shape}: {string.Join(' ', args[..1])} exited {result.ExitCode}: {result.Error}");
        }
    }

    private static FileDescriptorSet Malformed(string shape)
    {
        FileDescriptorProto file = Chain(3, cyclic: false);
        var set = new FileDescriptorSet();
        set.File.Add(file);
        DescriptorProto first = file.MessageType[0];
        switch (shape)
        {
            case "duplicate-message":
                file.MessageType.Add(new DescriptorProto { Name = "M0" });
                break;
            case "duplicate-file":
                set.File.Add(file.Clone());
                break;
            case "duplicate-service":
                file.Service.Add(file.Service[0].Clone());
                break;
            case "duplicate-method":
                file.Service[0].Method.Add(file.Service[0].Method[0].Clone());
                break;
            case "duplicate-field-number":
                first.Field.Add(new FieldDescriptorProto { Name = "again", Number = 1, Type = FieldType.String });
                break;
            case "undefined-input-type":
                file.Service[0].Method[0].InputType = ".grpc.Nowhere";
                break;
            case "empty-type-name":
                first.Field[0].TypeName = "";
                break;
            case "oneof-out-of-range":
                first.Field[0].OneofIndex = 7;
                break;
            case "map-entry-without-fields":
                first.NestedType.Add(new DescriptorProto { Name = "LabelsEntry", Options = new MessageOptions { MapEntry = true } });
                first.Field.Add(new FieldDescriptorProto
                {
                    Name = "labels", Number = 2, Label = FieldLabel.Repeated, Type = FieldType.Message, TypeName = ".grpc.M0.LabelsEntry",
                });
                break;
            case "enum-without-values":
                file.EnumType.Add(new EnumDescriptorProto { Name = "Empty" });
                first.Field.Add(new FieldDescriptorProto { Name = "e", Number = 3, Type = FieldType.Enum, TypeName = ".grpc.Empty" });
                break;
            case "self-referencing-map":
                var entry = new DescriptorProto { Name = "SelfEntry", Options = new MessageOptions { MapEntry = true } };
                entry.Field.Add(new FieldDescriptorProto { Name = "key", Number = 1, Type = FieldType.String });
                entry.Field.Add(new FieldDescriptorProto { Name = "value", Number = 2, Type = FieldType.Message, TypeName = ".grpc.M0.SelfEntry" });
                first.NestedType.Add(entry);
                first.Field.Add(new FieldDescriptorProto
                {
                    Name = "self", Number = 4, Label = FieldLabel.Repeated, Type = FieldType.Message, TypeName = ".grpc.M0.SelfEntry",
                });
                break;
            case "negative-field-number":
                first.Field.Add(new FieldDescriptorProto { Name = "neg", Number = -5, Type = FieldType.Int32 });
                break;
        }
        return set;
    }

    private static void AssertOneLineExitThree(CliResult result, string expected)
    {
        Assert.True(result.ExitCode == ExitCodes.Unreadable, $"exit {result.ExitCode}: {result.Error}");
        Assert.Single(result.Error.TrimEnd().Split('\n'));
        Assert.Contains(expected, result.Error, StringComparison.Ordinal);
    }

    /// <summary>
    /// rpc CreateContainer(M0) returns (M0), where Mi has field 1 of type Mi+1; the last message is empty, or points
    /// back at M0 when <paramref name="cyclic"/>.
    /// </summary>
    private static FileDescriptorProto Chain(int length, bool cyclic)
    {
        var file = new FileDescriptorProto { Name = "chain.proto", Package = "grpc", Syntax = "proto3" };
        for (int i = 0; i < length; i++)
        {
            var message = new DescriptorProto { Name = "M" + i };
            int next = i + 1 < length ? i + 1 : cyclic ? 0 : -1;
            if (next >= 0)
            {
                message.Field.Add(new FieldDescriptorProto
                {
                    Name = "next", Number = 1, Label = FieldLabel.Optional, Type = FieldType.Message, TypeName = ".grpc.M" + next, JsonName = "next",
                });
            }
            file.MessageType.Add(message);
        }
        var service = new ServiceDescriptorProto { Name = "AgentService" };
        service.Method.Add(new MethodDescriptorProto { Name = "CreateContainer", InputType = ".grpc.M0", OutputType = ".grpc.M0" });
        file.Service.Add(service);
        return file;
    }

    private static string WriteSet(FileDescriptorProto file)
    {
        var set = new FileDescriptorSet();
        set.File.Add(file);
        return WriteSet(set);
    }

    private static string WriteSet(FileDescriptorSet set)
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-hostile-").FullName, set.File[0].Name + ".binpb");
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }
}
