using System.Text.Json;

namespace Preflight.Cli.Tests.Check;

/// <summary>
/// `check --package` reads copies of the runtime and image in a scratch directory that is gone when the admin reads
/// the report; every report names them by installed path, package name, version and package file instead.
/// </summary>
public sealed class PackageNamingTests
{
    private static readonly string Scratch = Path.Combine(Path.GetTempPath(), "kata-preflight-");

    private static string HookPackage(string name) => TestData.Generated("packages", "hook", name);

    private static readonly string[] BothPackages =
    [
        "check", "--root", Cli.DemoHost, "--config", "/opt/kata/share/defaults/kata-containers/configuration.toml",
        "--package", HookPackage("kata-runtime_3.5.0-1_amd64.deb"), "--package", HookPackage("kata-containers-image_3.2.0-1_amd64.deb"),
    ];

    private const string RuntimeName = "/usr/bin/containerd-shim-kata-v2 from kata-runtime 3.5.0-1 (kata-runtime_3.5.0-1_amd64.deb)";

    private const string ImageName = "/usr/share/kata-containers/kata-containers.img from kata-containers-image 3.2.0-1 (kata-containers-image_3.2.0-1_amd64.deb)";

    [Fact]
    public void Text_names_the_runtime_and_image_by_package_and_version()
    {
        CliResult result = Cli.Run(BothPackages);

        Assert.Equal(ExitCodes.Ok, result.ExitCode); // 3.5.0 runtime, 3.2.0 agent: warnings only
        Assert.Contains($"image   {ImageName} (bare, ext4, /usr/bin/kata-agent; agent 3.2.0)", result.Out);
        Assert.Contains($"runtime {RuntimeName} (3.5.0, ttrpc)", result.Out);
        Assert.DoesNotContain(Scratch, result.Out);
        Assert.DoesNotContain(Scratch, result.Error);
    }

    [Fact]
    public void Json_gives_the_installed_path_and_the_package_as_fields()
    {
        CliResult result = Cli.Run([.. BothPackages, "--format", "json"]);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Assert.DoesNotContain(Scratch, result.Out);
        JsonElement check = JsonDocument.Parse(result.Out).RootElement.GetProperty("checks").EnumerateArray().Single();
        JsonElement runtime = check.GetProperty("runtime");
        Assert.Equal("/usr/bin/containerd-shim-kata-v2", runtime.GetProperty("path").GetString());
        Assert.Equal("kata-runtime_3.5.0-1_amd64.deb", runtime.GetProperty("package").GetProperty("file").GetString());
        Assert.Equal("kata-runtime", runtime.GetProperty("package").GetProperty("name").GetString());
        Assert.Equal("3.5.0-1", runtime.GetProperty("package").GetProperty("version").GetString());
        JsonElement image = check.GetProperty("image");
        Assert.Equal("/usr/share/kata-containers/kata-containers.img", image.GetProperty("path").GetString());
        Assert.Equal("kata-containers-image", image.GetProperty("package").GetProperty("name").GetString());
        // The agent is a path inside the image, wherever the image came from.
        Assert.Equal("/usr/bin/kata-agent", check.GetProperty("agent").GetProperty("path").GetString());
        Assert.Equal(JsonValueKind.Null, check.GetProperty("agent").GetProperty("package").ValueKind);
    }

    [Fact]
    public void A_host_file_has_no_package()
    {
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--format", "json");

        foreach (JsonElement check in JsonDocument.Parse(result.Out).RootElement.GetProperty("checks").EnumerateArray())
        {
            Assert.Equal(JsonValueKind.Null, check.GetProperty("runtime").GetProperty("package").ValueKind);
            Assert.Equal(JsonValueKind.Null, check.GetProperty("image").GetProperty("package").ValueKind);
        }
    }

    [Fact]
    public void Sarif_locates_findings_in_the_package_file()
    {
        CliResult result = Cli.Run([.. BothPackages, "--format", "sarif"]);

        Assert.DoesNotContain(Scratch, result.Out);
        var uris = JsonDocument.Parse(result.Out).RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray()
            .Select(r => r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString())
            .ToHashSet();
        Assert.Equal([new Uri(HookPackage("kata-containers-image_3.2.0-1_amd64.deb")).AbsoluteUri], uris);
    }

    [Theory]
    [InlineData("text")]
    [InlineData("json")]
    public void Findings_about_an_unreadable_candidate_name_the_package_not_the_copy(string format)
    {
        // This package's runtime and image are placeholders, not an ELF file or a guest image: both findings name
        // them, and so does the one line on stderr.
        const string package = "kata-containers_3.2.0-1_amd64.gz.deb";
        CliResult result = Cli.Run("check", "--root", Cli.DemoHost, "--config", "/opt/kata/share/defaults/kata-containers/configuration.toml",
            "--package", TestData.Generated("packages", package), "--format", format);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Assert.DoesNotContain(Scratch, result.Out);
        Assert.DoesNotContain(Scratch, result.Error);
        string runtime = $"/usr/bin/containerd-shim-kata-v2 from kata-containers 3.2.0-1 ({package})";
        string image = $"/usr/share/kata-containers/kata-containers.img from kata-containers 3.2.0-1 ({package})";
        if (format == "json")
        {
            var subjects = JsonDocument.Parse(result.Out).RootElement.GetProperty("findings").EnumerateArray()
                .Select(f => f.GetProperty("subject").GetString()).ToHashSet();
            Assert.Superset(new HashSet<string?> { runtime, image }, subjects);
        }
        else
        {
            Assert.Contains($"RUNTIME_UNREADABLE  {runtime}: {runtime}: at offset 0: not an ELF file", result.Out);
            Assert.Contains($"IMAGE_UNREADABLE  {image}: {image}: not a Kata guest image", result.Out);
        }
        Assert.Contains($"kata-preflight: error: nothing could be inspected: {image}: ", result.Error);
    }
}
