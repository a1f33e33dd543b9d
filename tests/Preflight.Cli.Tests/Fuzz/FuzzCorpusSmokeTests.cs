using Preflight.Fuzz;

namespace Preflight.Cli.Tests.Fuzz;

/// <summary>
/// The fuzz targets' short smoke run: each target once over every file of its committed seed corpus, in process,
/// through the same FuzzTargets.Run that AFL drives (tests/Preflight.Fuzz/fuzz.sh), so neither afl++ nor SharpFuzz
/// is needed. A target lets only its layer's PreflightInputException and IOException pass; anything else escaping
/// is a bug, and for the "cli" target so is exit 4.
/// </summary>
public sealed class FuzzCorpusSmokeTests : IDisposable
{
    private readonly string _scratch = Directory.CreateTempSubdirectory("kata-preflight-fuzz-smoke-").FullName;

    public static TheoryData<string> Targets() => [.. FuzzTargets.Names];

    [Theory]
    [MemberData(nameof(Targets))]
    public void Every_seed_is_read_without_a_bug(string target)
    {
        string directory = Path.Combine(TestData.Root, "tests", "Preflight.Fuzz", "corpus", target);
        string[] seeds = Directory.GetFiles(directory);
        Assert.NotEmpty(seeds);
        foreach (string seed in seeds)
        {
            string? rejection = null;
            Exception? escaped = Record.Exception(() => rejection = FuzzTargets.Run(target, File.ReadAllBytes(seed), _scratch));
            Assert.True(escaped is null, $"{target} on {Path.GetFileName(seed)}: {escaped}");
            // The seeds are valid inputs made by the real tools: AFL learns most from mutating what the reader takes.
            Assert.True(rejection is null, $"{target} rejects its seed {Path.GetFileName(seed)}: {rejection}");
        }
    }

    public static TheoryData<string, string> Regressions()
    {
        var cases = new TheoryData<string, string>();
        foreach (string directory in Directory.GetDirectories(Path.Combine(TestData.Root, "tests", "Preflight.Fuzz", "regressions")))
        {
            foreach (string file in Directory.GetFiles(directory))
            {
                cases.Add(Path.GetFileName(directory), Path.GetFileName(file));
            }
        }
        return cases;
    }

    /// <summary>
    /// Inputs AFL saved as crashes or hangs, kept under tests/Preflight.Fuzz/regressions/TARGET/ once fixed: each
    /// must now be read or rejected with the layer's error, and quickly (a hang came back as a time-out before).
    /// </summary>
    [Theory]
    [MemberData(nameof(Regressions))]
    public void A_fixed_fuzz_finding_is_read_or_rejected_without_a_bug(string target, string file)
    {
        byte[] input = File.ReadAllBytes(Path.Combine(TestData.Root, "tests", "Preflight.Fuzz", "regressions", target, file));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Exception? escaped = Record.Exception(() => FuzzTargets.Run(target, input, _scratch));
        Assert.True(escaped is null, $"{target} on {file}: {escaped}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"{target} on {file} took {clock.Elapsed}");
    }

    [Fact]
    public void An_exception_other_than_the_layer_s_escapes_the_target()
    {
        // The smoke run is only worth something if a bug can get out of a target: an unknown target name is a
        // programming error (ArgumentException), not an input error, and must not be swallowed.
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("no-such-target", [], _scratch));
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);
}
