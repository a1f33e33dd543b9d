using System.Diagnostics;

namespace Preflight.Cli.Tests.Hostile;

/// <summary>
/// The scratch directory `check --package` copies into is removed when the process is stopped by SIGTERM or
/// SIGINT in the middle of a copy, not only at a normal exit. Runs the real kata-preflight (the apphost next to
/// the tests) with a private TMPDIR on a .deb made by dpkg-deb, signals it once its copy has begun, and looks.
/// The waits are generous safety limits; nothing here asserts a duration.
/// </summary>
public sealed class ScratchSignalTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-signal-").FullName;

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task A_signal_during_a_copy_removes_the_scratch_directory(string signal, int exitBySignal)
    {
        // 1000 MiB stored uncompressed (under the 1 GiB runtime limit): copying it out takes a second or more. 256 MiB was copied out between two
        // looks of a busy test machine (the run ended before it could be signalled).
        Tool.Shell(_directory, """
            mkdir -p pkg/DEBIAN pkg/usr/bin tmp
            printf 'Package: kata-runtime\nVersion: 9.9.9\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: t\n' > pkg/DEBIAN/control
            truncate -s 1000M pkg/usr/bin/containerd-shim-kata-v2
            dpkg-deb -Znone --root-owner-group -b pkg big.deb > /dev/null
            rm -rf pkg
            """);
        string tmp = Path.Combine(_directory, "tmp");
        string kataPreflight = Path.Combine(AppContext.BaseDirectory, "kata-preflight");
        var start = new ProcessStartInfo(kataPreflight)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "check", "--root", _directory, "--package", Path.Combine(_directory, "big.deb") })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["TMPDIR"] = tmp;
        start.Environment["DOTNET_EnableDiagnostics"] = "0"; // the runtime's own pipes would land in TMPDIR too
        using Process run = Process.Start(start)!;
        Task<string> errors = run.StandardError.ReadToEndAsync();
        Task<string> output = run.StandardOutput.ReadToEndAsync();

        // Wait until the copy has written something, then signal.
        var safety = Stopwatch.StartNew();
        while (!run.HasExited && !Directory.EnumerateDirectories(tmp, "kata-preflight-*")
            .SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)).Any(f => new FileInfo(f).Length > 0))
        {
            Assert.True(safety.Elapsed < TimeSpan.FromMinutes(2), "the copy never started");
            await Task.Delay(5);
        }
        Assert.False(run.HasExited, "the run ended before it could be signalled");
        using (Process kill = Process.Start("kill", ["-" + signal, run.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
        {
            kill.WaitForExit();
        }
        Assert.True(run.WaitForExit(TimeSpan.FromMinutes(2)), "kata-preflight did not end after the signal");
        await output;
        await errors;

        Assert.Equal(exitBySignal, run.ExitCode);
        Assert.Empty(Directory.EnumerateDirectories(tmp, "kata-preflight-*"));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
