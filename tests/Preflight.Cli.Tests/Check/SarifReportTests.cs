using NJsonSchema;

namespace Preflight.Cli.Tests.Check;

/// <summary>The SARIF report validates against the published SARIF 2.1.0 schema (fetched by testdata/sarif/make.sh).</summary>
public class SarifReportTests
{
    [Fact]
    public async Task DemoHostReportIsValidSarif()
    {
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--format", "sarif");
        Assert.Equal(ExitCodes.Block, result.ExitCode);

        JsonSchema schema = await JsonSchema.FromFileAsync(TestData.Generated("sarif", "sarif-2.1.0.json"));
        var errors = schema.Validate(result.Out);
        Assert.True(errors.Count == 0, string.Join("\n", errors.Select(e => $"{e.Path}: {e.Kind}")));

        Assert.Contains("\"ruleId\": \"FIELD_MESSAGE_BYTES_CHANGED\"", result.Out);
        Assert.Contains("\"level\": \"error\"", result.Out);
    }

    [Fact]
    public async Task TheSchemaRejectsABrokenReport()
    {
        // Guards the test above: a report missing its required "version" must fail validation.
        JsonSchema schema = await JsonSchema.FromFileAsync(TestData.Generated("sarif", "sarif-2.1.0.json"));
        Assert.NotEmpty(schema.Validate("{\"runs\": []}"));
    }
}
