using System.CommandLine;
using Preflight.Cli.Checking;
using Preflight.Protocol;

namespace Preflight.Cli.Commands;

/// <summary>
/// `kata-preflight fingerprint SRC`: a stable hash of the agent protocol's wire surface. Equal fingerprints mean
/// wire-identical protocols; renaming a field or moving a comment does not change it.
/// </summary>
public static class FingerprintCommand
{
    public static Command Build(CliIo io)
    {
        var source = CommonOptions.File("SRC", "A guest image, a binary, or a FileDescriptorSet.");
        var command = new Command("fingerprint", "Print the agent protocol's wire fingerprint of SRC.") { source };
        command.SetAction(parse =>
        {
            CompatibilityOptions options = CompatibilityOptions.Default;
            LoadedSide side = ProtocolSource.Load(parse.GetValue(source)!, options.ConstantValues.ToList());
            io.Out.WriteLine(ProtocolFingerprint.Compute(side.Surface, options));
            return ExitCodes.Ok;
        });
        return command;
    }
}
