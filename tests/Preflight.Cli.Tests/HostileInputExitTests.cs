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
        string path = Path.Combine(Directory.CreateTempSubdirectory("kata-preflight-hostile-").FullName, file.Name + ".binpb");
        File.WriteAllBytes(path, set.ToByteArray());
        return path;
    }
}
