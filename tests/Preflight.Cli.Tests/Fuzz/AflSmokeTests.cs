using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Fuzz;

/// <summary>
/// A few seconds of real AFL++ on three targets, through the same fuzz.sh the README's longer run uses: proves the
/// publish, the sharpfuzz instrumentation and afl-fuzz still fit together, and that a short mutation burst finds no
/// crash. The targets: initrd (decompressors and cpio), elf (the descriptor scan) and cli (exit-code mapping). Needs
/// afl-fuzz (testdata/install-tools.sh installs afl++).
/// </summary>
public sealed class AflSmokeTests(ITestOutputHelper output) : IDisposable
{
    private const int SecondsPerTarget = 5;

    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-afl-smoke-").FullName;

    [Fact]
    public void A_short_afl_run_finds_no_crash()
    {
        // A missing fuzzer fails the test rather than passing it quietly: install-tools.sh installs afl++.
        Assert.True(File.Exists("/usr/bin/afl-fuzz") || File.Exists("/usr/local/bin/afl-fuzz"),
            "afl-fuzz is not installed (Debian package afl++): run testdata/install-tools.sh as root");
        string script = Path.Combine(TestData.Root, "tests", "Preflight.Fuzz", "fuzz.sh");
        string publish = Path.Combine(_directory, "publish");
        foreach (string target in new[] { "initrd", "elf", "cli" })
        {
            // fuzz.sh exits 1 on a saved crash or hang and 2 when AFL did not run; Tool.Shell fails the test on both.
            string line = Tool.Shell(_directory,
                $"FUZZ_PUBLISH_DIR='{publish}' FUZZ_REUSE_PUBLISH=1 bash '{script}' {target} {SecondsPerTarget} '{Path.Combine(_directory, target)}'");
            output.WriteLine(line.Trim());
            Assert.Matches($@"^{target}: [1-9][0-9]* execs .* crashes 0, hangs 0", line);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
