using System.CommandLine;
using Preflight.Checking;
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
            string path = parse.GetValue(source)!;
            LoadedSide side = ProtocolSource.Load(path, "agent", options);
            if (side.Resolved.Fingerprint is not string fingerprint)
            {
                // A hash of nothing would equal every other hash of nothing: no fingerprint, and why.
                io.Error.WriteLine($"kata-preflight: error: {path}: no protocol read (no descriptors, no method paths, and no " +
                    "Kata release stated that the catalog knows): no fingerprint");
                return ExitCodes.Unreadable;
            }
            io.Out.WriteLine(fingerprint);
            io.Error.WriteLine($"kata-preflight: from {side.Resolved.FingerprintBasis}" +
                (side.Resolved.MatchingReleasesText is string releases ? $"; equal to Kata {releases}" : "; equal to no Kata release"));
            return ExitCodes.Ok;
        });
        return command;
    }
}
