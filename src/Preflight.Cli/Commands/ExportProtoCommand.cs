using System.CommandLine;
using Google.Protobuf.Reflection;
using Preflight.Binaries;
using Preflight.Protocol;

namespace Preflight.Cli.Commands;

/// <summary>
/// `kata-preflight export-proto FILE --output DIR`: the descriptors recovered from a binary, written back as .proto
/// sources in their package folders, so they can be read, diffed or compiled with protoc.
/// </summary>
public static class ExportProtoCommand
{
    public static Command Build(CliIo io)
    {
        var file = CommonOptions.File("FILE", "An ELF binary carrying protobuf descriptors.");
        var output = new Option<string>("--output", "-o") { Description = "Directory to write the .proto files into (created if needed).", Required = true, HelpName = "DIR" };
        var command = new Command("export-proto", "Write the protobuf descriptors embedded in a binary as .proto files.") { file, output };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            CliInputs.RequireFile(path);
            BinaryFacts facts = BinaryInspector.InspectFile(path, hash: false); // the descriptors are all it writes
            string outputDir = Path.GetFullPath(parse.GetValue(output)!);
            int written = 0;
            foreach (EmbeddedDescriptor descriptor in facts.Descriptors)
            {
                FileDescriptorProto proto = FileDescriptorProto.Parser.ParseFrom(descriptor.Bytes);
                string target = SafeTarget(outputDir, proto.Name);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.WriteAllText(target, ProtoSourceWriter.Write(proto));
                io.Out.WriteLine(target);
                written++;
            }
            if (written == 0)
            {
                io.Error.WriteLine($"kata-preflight: {path}: no protobuf descriptors found (methods known from strings: {facts.Methods.Count})");
                return ExitCodes.Unreadable;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// A descriptor's name is a relative path chosen by whoever built the binary; it must not escape the output
    /// directory ("../../etc/x.proto" or an absolute name).
    /// </summary>
    private static string SafeTarget(string outputDir, string protoName)
    {
        string relative = protoName.TrimStart('/');
        string full = Path.GetFullPath(Path.Combine(outputDir, relative));
        if (!full.StartsWith(outputDir.TrimEnd('/') + "/", StringComparison.Ordinal))
        {
            full = Path.Combine(outputDir, "unsafe-names", Path.GetFileName(relative));
        }
        return full;
    }
}
