using System.Diagnostics;

namespace Preflight.Cli.Tests.Installed;

/// <summary>What a child process printed and how it ended.</summary>
internal sealed record ProcessResult(int ExitCode, string Out, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>
/// kata-preflight's own packages as testdata/own-package/make.sh built them with packaging/build.sh and installed
/// them: the .deb by dpkg into a throw-away root, the .rpm's payload, and a chroot holding a Kata host (the demo
/// host) with the .deb installed, a shell and the C libraries, and no .NET.
/// </summary>
internal static class Installed
{
    /// <summary>
    /// testdata/generated/own-package, or the OUTDIR of `testdata/own-package/make.sh OUTDIR` named by
    /// KATA_PREFLIGHT_OWN_PACKAGE: a packaging change can be tested without rebuilding every other fixture.
    /// </summary>
    public static string Dir(params string[] parts) =>
        Environment.GetEnvironmentVariable("KATA_PREFLIGHT_OWN_PACKAGE") is { Length: > 0 } own
            ? Path.Combine([own, .. parts])
            : TestData.Generated(["own-package", .. parts]);

    public static string Deb => Directory.GetFiles(Dir("packages"), "kata-preflight_*_amd64.deb").Single();

    public static string DebRoot => Dir("deb-root");

    public static string RpmRoot => Dir("rpm-root");

    public static string Chroot => Dir("chroot");

    /// <summary>
    /// Runs COMMAND inside the chroot with an environment holding only PATH, LC_ALL and <paramref name="environment"/>,
    /// as root would run a package hook. chroot(2) needs root; without it an unprivileged user namespace stands in.
    /// </summary>
    public static ProcessResult InChroot(string[] command, string? stdin = null, params (string Name, string Value)[] environment)
    {
        string chroot = FindTool("chroot");
        string[] prefix = Environment.IsPrivilegedProcess
            ? [chroot, Chroot]
            : [FindTool("unshare"), "--user", "--map-root-user", chroot, Chroot];
        return Run([.. prefix, .. command], stdin, [("PATH", "/usr/bin:/bin"), .. environment]);
    }

    /// <summary>Runs a program with a cleared environment plus <paramref name="environment"/>; bounded by a minute.</summary>
    public static ProcessResult Run(string[] command, string? stdin, (string Name, string Value)[] environment, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(command[0])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (string argument in command.Skip(1))
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment.Clear();
        start.Environment["LC_ALL"] = "C";
        foreach ((string name, string value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {command[0]}");
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            process.StandardInput.Write(stdin);
        }
        process.StandardInput.Close();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', command)} did not finish within a minute");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>A tool from the machine's system directories (the tests' own PATH may not list sbin).</summary>
    public static string FindTool(string name)
    {
        foreach (string dir in new[] { "/usr/sbin", "/usr/bin", "/sbin", "/bin" })
        {
            string path = Path.Combine(dir, name);
            if (File.Exists(path))
            {
                return path;
            }
        }
        throw new FileNotFoundException($"{name} is not installed (testdata/install-tools.sh installs what the tests need)", name);
    }
}
