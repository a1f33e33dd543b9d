using NJsonSchema;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// The JSON report's contract, packaging/check-report.schema.json (installed with the package), against what the
/// tool really prints in its different situations. Every object in the schema is closed, so a field added to the
/// report without being documented there fails here.
/// </summary>
public sealed class JsonReportSchemaTests
{
    private const string ClhConfig = "/opt/kata/share/defaults/kata-containers/configuration-clh.toml";

    public static TheoryData<string, string[]> Reports => new()
    {
        // Two runtime classes from containerd, one blocking.
        { "demo host", ["check", "--root", Cli.DemoHost, "--format", "json"] },
        // A named configuration: no runtime class behind it.
        { "named configuration", ["check", "--root", Cli.DemoHost, "--config", ClhConfig, "--format", "json"] },
        // A candidate runtime from a package, against the installed images.
        { "package", ["check", "--root", Cli.DemoHost, "--package", TestData.Generated("packages", "hook", "kata-runtime_1.12.1-1_amd64.deb"), "--format", "json"] },
        // A candidate pair with no configuration at all: image and runtime checked on their own.
        { "candidate pair", ["check", "--root", Path.GetTempPath(), "--image", TestData.Generated("packages", "hook", "images", "agent-rust-3.2.0-amd64.img"),
            "--runtime", TestData.Generated("binaries", "runtime-go-ttrpc-3.5.0-amd64"), "--format", "json"] },
    };

    [Theory]
    [MemberData(nameof(Reports))]
    public async Task The_report_matches_the_published_schema(string situation, string[] arguments)
    {
        CliResult result = Cli.Run(arguments);
        Assert.True(result.ExitCode is ExitCodes.Ok or ExitCodes.Block, $"{situation}: exit {result.ExitCode}: {result.Error}");

        JsonSchema schema = await JsonSchema.FromFileAsync(SchemaPath);
        var errors = schema.Validate(result.Out);

        Assert.True(errors.Count == 0, $"{situation}: " + string.Join("; ", errors.Select(e => $"{e.Path}: {e.Kind}")));
    }

    [Fact]
    public async Task The_schema_rejects_an_undocumented_field_and_a_wrong_verdict()
    {
        JsonSchema schema = await JsonSchema.FromFileAsync(SchemaPath);
        string report = Cli.Run("check", "--root", Cli.DemoHost, "--format", "json").Out;

        Assert.Empty(schema.Validate(report));
        Assert.NotEmpty(schema.Validate(report.Replace("\"tool\":", "\"extra\": 1, \"tool\":", StringComparison.Ordinal)));
        Assert.NotEmpty(schema.Validate(report.Replace("\"verdict\": \"block\"", "\"verdict\": \"fail\"", StringComparison.Ordinal)));
    }

    [Fact]
    public void The_report_carries_each_binarys_sha256()
    {
        // The text report shows no hashes, so a text check hashes nothing (issue 14); the JSON report must still.
        using var report = System.Text.Json.JsonDocument.Parse(Cli.Run("check", "--root", Cli.DemoHost, "--format", "json").Out);
        string runtime = Path.Combine(Cli.DemoHost, "opt", "kata", "bin", "containerd-shim-kata-v2");
        string expected = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(runtime)));

        var sides = report.RootElement.GetProperty("checks").EnumerateArray()
            .SelectMany(t => new[] { t.GetProperty("agent"), t.GetProperty("runtime") }).ToList();

        Assert.Equal(4, sides.Count);
        Assert.All(sides, side => Assert.Matches("^[0-9a-f]{64}$", side.GetProperty("sha256").GetString()));
        var runtimes = sides.Where(side => side.GetProperty("path").GetString()!.EndsWith("containerd-shim-kata-v2", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, runtimes.Count); // both pairs name the one runtime: the hash below is really compared
        Assert.All(runtimes, side => Assert.Equal(expected, side.GetProperty("sha256").GetString()));
    }

    private static string SchemaPath => Path.Combine(TestData.Root, "packaging", "check-report.schema.json");
}
