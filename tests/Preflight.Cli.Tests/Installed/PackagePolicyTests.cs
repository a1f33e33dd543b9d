using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests.Installed;

/// <summary>
/// Debian and RPM policy for our own packages as packaging/build.sh built them: lintian and rpmlint report no
/// errors, the .deb carries a machine-readable copyright naming every NuGet package compiled into the binary with
/// the licence its nuspec declares, and a Debian changelog; the .rpm marks its licence files %license; zlib comes
/// from the system rather than being embedded.
/// </summary>
public sealed partial class PackagePolicyTests(ITestOutputHelper output)
{
    private static string Rpm => Directory.GetFiles(Installed.Dir("packages"), "kata-preflight-*.x86_64.rpm").Single();

    private static string Copyright => File.ReadAllText(Path.Combine(Installed.DebRoot, "usr/share/doc/kata-preflight/copyright"));

    [Fact]
    public void Lintian_reports_no_errors_on_the_deb()
    {
        ProcessResult result = Installed.Run(
            [Installed.FindTool("lintian"), "--fail-on", "error", "--tag-display-limit", "0", Installed.Deb],
            null, [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("HOME", Path.GetTempPath())]);
        output.WriteLine(result.ToString());

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotMatch(@"(?m)^E: ", result.Out);
        // No override hides one: the package ships none.
        Assert.False(Directory.Exists(Path.Combine(Installed.DebRoot, "usr/share/lintian/overrides")));
    }

    [Fact]
    public void Rpmlint_reports_no_errors_on_the_rpm()
    {
        string config = Path.Combine(TestData.Root, "packaging/rpm/rpmlint.toml");
        ProcessResult result = Installed.Run([Installed.FindTool("rpmlint"), "-c", config, Rpm],
            null, [("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), ("HOME", Path.GetTempPath())]);
        output.WriteLine(result.ToString());

        Assert.Contains(" 0 errors,", result.Out);
        Assert.DoesNotMatch(@"(?m): E: ", result.Out);
    }

    [Fact]
    public void The_copyright_file_is_DEP5_and_names_every_linked_NuGet_package_with_its_nuspec_licence()
    {
        string copyright = Copyright;
        Assert.StartsWith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n", copyright);
        List<Dictionary<string, string>> paragraphs = Dep5Paragraphs(copyright);
        var licenceTexts = paragraphs.Where(p => !p.ContainsKey("Files") && p.ContainsKey("License")).Select(p => p["License"].Split('\n')[0]).ToHashSet();
        Dictionary<string, string> licenceOf = paragraphs
            .Where(p => p.ContainsKey("Files"))
            .SelectMany(p => p["Files"].Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(f => (File: f, License: p["License"].Split('\n')[0])))
            .ToDictionary(x => x.File, x => x.License);

        Assert.Equal("Apache-2.0", licenceOf["*"]);
        var linked = LinkedPackages();
        Assert.NotEmpty(linked);
        foreach ((string id, string version) in linked)
        {
            Assert.True(licenceOf.TryGetValue($"nuget/{id}/{version}/*", out string? licence), $"copyright does not name {id} {version}");
            if (NuspecLicence(id, version) is string declared)
            {
                Assert.Equal(declared, licence);
            }
        }
        // Nothing stale: every versioned nuget/ entry is a package the binary is built from.
        var named = licenceOf.Keys.Where(f => NugetEntry().IsMatch(f)).ToList();
        Assert.All(named, f => Assert.Contains(linked, p => f == $"nuget/{p.Id}/{p.Version}/*"));
        // Every licence used has its text (or, for Apache-2.0, the common-licenses reference) in the file.
        Assert.All(licenceOf.Values.Distinct(), l => Assert.Contains(l, licenceTexts));
    }

    [Fact]
    public void The_deb_has_a_Debian_changelog_for_its_version()
    {
        string version = File.ReadAllLines(Installed.Dir("deb-fields.txt")).Single(l => l.StartsWith("Version: ", StringComparison.Ordinal))["Version: ".Length..];
        using var gzip = new GZipStream(File.OpenRead(Path.Combine(Installed.DebRoot, "usr/share/doc/kata-preflight/changelog.Debian.gz")), CompressionMode.Decompress);
        string changelog = new StreamReader(gzip).ReadToEnd();

        Assert.StartsWith($"kata-preflight ({version}) ", changelog);
        Assert.Matches(@"(?m)^ -- .+ <.+>  \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$", changelog);
    }

    [Fact]
    public void The_rpm_marks_its_licence_and_copyright_files_as_license()
    {
        ProcessResult result = Installed.Run([Installed.FindTool("rpm"), "-qp", "--nosignature", "--qf", "[%{FILENAMES} %{FILEFLAGS:fflags}\\n]", Rpm],
            null, [("PATH", "/usr/bin:/bin")]);
        Assert.True(result.ExitCode == 0, result.ToString());

        Assert.Contains("/usr/share/licenses/kata-preflight/LICENSE l\n", result.Out);
        Assert.Contains("/usr/share/licenses/kata-preflight/copyright l\n", result.Out);
        Assert.Contains("Apache License", File.ReadAllText(Path.Combine(Installed.RpmRoot, "usr/share/licenses/kata-preflight/LICENSE")));
    }

    [Fact]
    public void Zlib_is_the_systems_not_an_embedded_copy()
    {
        // NativeAOT embeds zlib-ng unless told otherwise; Debian policy wants the shared library, which gets
        // security updates. The binary must import inflate from libz.so.1 and the .deb must depend on zlib1g.
        ProcessResult objdump = Installed.Run([Installed.FindTool("objdump"), "-T", Path.Combine(Installed.DebRoot, "usr/bin/kata-preflight")],
            null, [("PATH", "/usr/bin:/bin")]);
        Assert.Matches(@"\*UND\*.*\sinflate\n", objdump.Out);
        Assert.Contains("zlib1g", File.ReadAllText(Installed.Dir("deb-fields.txt")));
    }

    /// <summary>The NuGet packages compiled into kata-preflight (its deps.json, copied beside this test assembly).</summary>
    private static List<(string Id, string Version)> LinkedPackages()
    {
        using var deps = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "kata-preflight.deps.json")));
        return deps.RootElement.GetProperty("libraries").EnumerateObject()
            .Where(l => l.Value.GetProperty("type").GetString() == "package")
            .Select(l => (l.Name.Split('/')[0], l.Name.Split('/')[1]))
            .ToList();
    }

    /// <summary>The SPDX expression a package's nuspec declares, or null when it gives only a licence URL.</summary>
    private static string? NuspecLicence(string id, string version)
    {
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string nuspec = Path.Combine(packages, id.ToLowerInvariant(), version, id.ToLowerInvariant() + ".nuspec");
        Assert.True(File.Exists(nuspec), $"{nuspec} not found (restore the solution first)");
        Match m = NuspecExpression().Match(File.ReadAllText(nuspec));
        return m.Success ? m.Groups[1].Value : null;
    }

    /// <summary>DEP-5 paragraphs: fields, with continuation lines joined by newlines.</summary>
    private static List<Dictionary<string, string>> Dep5Paragraphs(string text)
    {
        var paragraphs = new List<Dictionary<string, string>>();
        foreach (string block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = new Dictionary<string, string>();
            string? last = null;
            foreach (string line in block.Split('\n'))
            {
                if (line.StartsWith(' ') && last is not null)
                {
                    fields[last] += "\n" + line.Trim();
                }
                else if (line.IndexOf(':') is int colon and > 0)
                {
                    last = line[..colon];
                    fields[last] = line[(colon + 1)..].Trim();
                }
            }
            paragraphs.Add(fields);
        }
        return paragraphs;
    }

    [GeneratedRegex(@"<license type=""expression"">([^<]+)</license>")]
    private static partial Regex NuspecExpression();

    [GeneratedRegex(@"^nuget/[^/]+/\d[^/]*/\*$")]
    private static partial Regex NugetEntry();
}
