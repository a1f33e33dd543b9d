namespace Preflight.Cli.Tests.Check;

public class ShippedPolicyTests
{
    [Fact]
    public void ThePackagedPolicyLoadsAndUncommentedExamplesAreValid()
    {
        string shipped = TestData.Root + "/packaging/policy.toml";
        Assert.Equal(ExitCodes.Block, Cli.Run("check", "--root", Cli.DemoHost, "--policy", shipped).ExitCode);

        // Every example in the file, uncommented, must be a policy the tool accepts.
        string uncommented = string.Join('\n', File.ReadAllLines(shipped)
            .Where(l => l.StartsWith("# ", StringComparison.Ordinal) && (l.Contains(" = ", StringComparison.Ordinal) || l.StartsWith("# [", StringComparison.Ordinal)))
            .Select(l => l[2..]));
        string policy = Path.GetTempFileName();
        File.WriteAllText(policy, uncommented);
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--policy", policy);
        Assert.True(result.ExitCode is ExitCodes.Ok or ExitCodes.Block, result.Error);
    }
}
