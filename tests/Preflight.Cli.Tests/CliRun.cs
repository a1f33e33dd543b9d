namespace Preflight.Cli.Tests;

/// <summary>Runs the CLI in-process with captured streams, exactly as Main would.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

internal static class Cli
{
    public static CliResult Run(params string[] args) => RunWithInput("", args);

    public static CliResult RunWithInput(string stdin, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int code = App.Run(args, output, error, new StringReader(stdin));
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public static string DemoHost => TestData.Path("demo-host");

    /// <summary>A writable copy of the committed demo host, for tests that change it.</summary>
    public static string CopyOfDemoHost()
    {
        string target = Directory.CreateTempSubdirectory("kata-preflight-demo-").FullName;
        CopyTree(DemoHost, target);
        return target;
    }

    private static void CopyTree(string source, string target)
    {
        foreach (string entry in Directory.EnumerateFileSystemEntries(source))
        {
            string destination = Path.Combine(target, Path.GetFileName(entry));
            var info = new FileInfo(entry);
            if (info.LinkTarget is string link)
            {
                File.CreateSymbolicLink(destination, link);
            }
            else if (Directory.Exists(entry))
            {
                Directory.CreateDirectory(destination);
                CopyTree(entry, destination);
            }
            else
            {
                File.Copy(entry, destination);
            }
        }
    }
}
