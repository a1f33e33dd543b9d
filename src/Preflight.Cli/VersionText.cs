using System.CommandLine;
using System.CommandLine.Invocation;
using System.Reflection;

namespace Preflight.Cli;

/// <summary>
/// What `kata-preflight --version` prints: "kata-preflight 0.1.0 (commit abc123...)". The commit is the one the SDK
/// records in the informational version ("0.1.0+sha") when it builds from a git checkout; a build from a source
/// tarball has none and prints the bare version rather than an empty "(commit )".
/// </summary>
public static class VersionText
{
    public static string For(Assembly assembly)
    {
        string version = assembly.GetName().Version is { } v ? $"{v.Major}.{v.Minor}.{v.Build}" : "0.0.0";
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        int plus = informational?.IndexOf('+') ?? -1;
        string commit = plus >= 0 ? informational![(plus + 1)..] : "";
        return commit.Length > 0 ? $"kata-preflight {version} (commit {commit})" : $"kata-preflight {version}";
    }

    /// <summary>Replaces System.CommandLine's bare "0.1.0+sha" with <see cref="For"/>.</summary>
    public static void Install(RootCommand root, TextWriter output)
    {
        foreach (VersionOption option in root.Options.OfType<VersionOption>())
        {
            option.Action = new PrintVersion(output);
        }
    }

    private sealed class PrintVersion(TextWriter output) : SynchronousCommandLineAction
    {
        public override int Invoke(ParseResult parseResult)
        {
            output.WriteLine(For(typeof(App).Assembly));
            return ExitCodes.Ok;
        }
    }
}
