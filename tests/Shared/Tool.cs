using System.Diagnostics;

namespace Preflight.Tests;

/// <summary>Runs the real tools a test makes its hostile fixtures with (cpio, gzip, bzip2, dpkg-deb, sfdisk, ...).</summary>
internal static class Tool
{
    /// <summary>Runs a bash script in <paramref name="directory"/>; fails the test when it does not exit 0.</summary>
    public static string Shell(string directory, string script)
    {
        var start = new ProcessStartInfo("bash")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-euo");
        start.ArgumentList.Add("pipefail");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start");
        Task<string> errors = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"fixture script failed ({process.ExitCode}): {script}\n{errors.Result}");
        return output;
    }
}
