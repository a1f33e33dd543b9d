namespace Preflight.Cli.Tests.Hostile;

/// <summary>
/// Runs the CLI in-process on a hostile input with a safety limit, so a regression (a hang on a FIFO, an endless
/// read of /dev/zero) fails the test instead of stalling the run. The limit is generous and never what a test
/// asserts: it only turns "never returns" into a failure.
/// </summary>
internal static class Guarded
{
    public static readonly TimeSpan SafetyLimit = TimeSpan.FromMinutes(2);

    public static CliResult RunWithInput(string stdin, params string[] args)
    {
        Task<CliResult> run = Task.Factory.StartNew(() => Cli.RunWithInput(stdin, args), TaskCreationOptions.LongRunning);
        Assert.True(run.Wait(SafetyLimit), $"kata-preflight {string.Join(' ', args)} did not end within {SafetyLimit}");
        return run.Result;
    }

    public static CliResult Run(params string[] args) => RunWithInput("", args);

    /// <summary>
    /// What every hostile input must give: exit 0, 1 or 3 (never 2 for a well-formed command line, never 4, "a bug"),
    /// no stack trace, and for exit 3 exactly one error line naming what is wrong.
    /// </summary>
    public static void AssertHandled(CliResult result, params string[] expectedInError)
    {
        Assert.True(result.ExitCode is ExitCodes.Ok or ExitCodes.Block or ExitCodes.Unreadable,
            $"exit {result.ExitCode}; stderr: {result.Error}");
        Assert.DoesNotContain("   at ", result.Error);
        Assert.DoesNotContain("internal error", result.Error);
        if (result.ExitCode == ExitCodes.Unreadable)
        {
            string[] errors = result.Error.Split('\n').Where(line => line.StartsWith("kata-preflight: error:", StringComparison.Ordinal)).ToArray();
            Assert.True(errors.Length == 1, $"expected one error line, got: {result.Error}");
        }
        foreach (string expected in expectedInError)
        {
            Assert.Contains(expected, result.Error);
        }
    }
}
