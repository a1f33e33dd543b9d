using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Preflight.Cli.Tests;

/// <summary>
/// `matrix --format html` is one self-contained page: no script, nothing fetched, every cell a verdict with its
/// findings. Rendered by a real headless Chromium (Debian's), whose screenshot is kept as a test artifact
/// (artifacts/matrix-releases.png).
/// </summary>
public class MatrixHtmlTests
{
    [Fact]
    public void TheReleaseMatrixPageIsSelfContainedAndHasEveryCell()
    {
        CliResult result = Cli.Run("matrix", "--releases", "--format", "html");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        string page = result.Out;
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch(new Regex(@"(src|href)\s*=", RegexOptions.IgnoreCase), page);
        Assert.DoesNotContain("@import", page);
        Assert.Equal(25 * 25, Regex.Matches(page, "<td class=\"(pass|warn|block)\"><details>").Count);
        // Known cells: 2.0.0's runtime against 2.2.0's agent blocks on the seccomp renumbering, and says so.
        Assert.Contains("FIELD_MESSAGE_BYTES_CHANGED", page);
        Assert.Contains("2.5.0-3.1.3", page); // a column label names the tags sharing the protocol
    }

    [Fact]
    public void TheHostMatrixPairsEveryImageWithEveryRuntime()
    {
        // The demo host: one shim, a matching disk image and a stale 2.0 initrd.
        CliResult result = Cli.Run("matrix", "--root", Cli.DemoHost, "--format", "tsv");
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        var cells = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('\t')).ToList();
        Assert.Equal(2, cells.Count);
        Assert.All(cells, c => Assert.Equal("/opt/kata/bin/containerd-shim-kata-v2", c[0]));
        Assert.Equal("pass", cells.Single(c => c[1].EndsWith("kata-containers.img", StringComparison.Ordinal))[2]);
        Assert.Equal("block", cells.Single(c => c[1].EndsWith("kata-containers-initrd.img", StringComparison.Ordinal))[2]);
        Assert.Equal(ExitCodes.Usage, Cli.Run("matrix", "--root", Cli.DemoHost, "--releases").ExitCode);
    }

    [Fact]
    public void TheFindingsOfAnImageAreEncodedNotMarkup()
    {
        string page = Reports.MatrixHtml.Write(
            [new Protocol.Catalog.MatrixCell("<runtime>", "agent\"", Protocol.Verdict.Block,
                [new Protocol.Finding("RPC_MISSING", Protocol.Severity.Block, "<img src=x>", "a & b")])],
            new Dictionary<string, string>(), "t", "v");
        Assert.DoesNotContain("<img", page);
        Assert.Contains("&lt;img src=x&gt;", page);
        Assert.Contains("a &amp; b", page);
    }

    [Fact]
    public void ChromiumRendersThePage()
    {
        string chromium = new[] { "/usr/bin/chromium", "/usr/bin/chromium-browser" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("chromium is not installed: run testdata/install-tools.sh as root");
        string artifacts = Path.Combine(TestData.Root, "artifacts");
        Directory.CreateDirectory(artifacts);
        string page = Path.Combine(artifacts, "matrix-releases.html");
        string screenshot = Path.Combine(artifacts, "matrix-releases.png");
        File.WriteAllText(page, Cli.Run("matrix", "--releases", "--format", "html").Out);
        File.Delete(screenshot);

        var start = new ProcessStartInfo(chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[]
        {
            "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--window-size=1400,1300", "--user-data-dir=" + Directory.CreateTempSubdirectory("chromium").FullName,
            "--screenshot=" + screenshot, new Uri(page).AbsoluteUri,
        })
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "chromium did not finish");

        byte[] png = File.ReadAllBytes(screenshot);
        Assert.True(png.AsSpan().StartsWith((byte[])[0x89, (byte)'P', (byte)'N', (byte)'G']), "not a PNG");
        // A blank page compresses to a few KiB; the coloured grid with its labels is far larger.
        Assert.True(png.Length > 50_000, $"screenshot is only {png.Length} bytes");
    }
}
