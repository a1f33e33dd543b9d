using Preflight.Checking;
using Preflight.Cli.Commands;
using Preflight.Host.Packages;

namespace Preflight.Cli.Tests.Hostile;

/// <summary>
/// `check --package` on packages made here by dpkg-deb (real .debs), then damaged: the answer is the package's own
/// error, and what is copied out stays within the run's scratch budget.
/// </summary>
public sealed class PackageInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-pkg-").FullName;

    /// <summary>A kata-runtime .deb carrying a 2 MiB (incompressible) file at the shim's path.</summary>
    private string RuntimeDeb()
    {
        Tool.Shell(_directory, """
            mkdir -p pkg/DEBIAN pkg/usr/bin
            printf 'Package: kata-runtime\nVersion: 9.9.9\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: test\n' > pkg/DEBIAN/control
            head -c 2097152 /dev/urandom > pkg/usr/bin/containerd-shim-kata-v2
            dpkg-deb -Zgzip --root-owner-group -b pkg kata-runtime_9.9.9_amd64.deb > /dev/null
            """);
        return Path.Combine(_directory, "kata-runtime_9.9.9_amd64.deb");
    }

    [Theory]
    [InlineData(100, "ar member")]                  // cut inside the first ar member
    [InlineData(-4096, "")]                         // data.tar cut short
    public void A_truncated_deb_reports_its_own_error_not_an_empty_package(int keep, string expected)
    {
        string deb = RuntimeDeb();
        byte[] bytes = File.ReadAllBytes(deb);
        File.WriteAllBytes(deb, bytes[..(keep > 0 ? keep : bytes.Length + keep)]);

        CliResult result = Guarded.Run("check", "--root", _directory, "--package", deb);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, $"kata-preflight: error: {deb}: ", expected);
        Assert.DoesNotContain("no Kata runtime binary or guest image", result.Error);
    }

    [Fact]
    public void An_ar_member_size_past_the_end_reports_its_own_error()
    {
        string deb = RuntimeDeb();
        byte[] bytes = File.ReadAllBytes(deb);
        int header = bytes.AsSpan().IndexOf("data.tar"u8);
        "9999999999"u8.CopyTo(bytes.AsSpan(header + 48));
        File.WriteAllBytes(deb, bytes);

        CliResult result = Guarded.Run("check", "--root", _directory, "--package", deb);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, "runs past the end of the file");
    }

    [Fact]
    public void A_copy_that_would_pass_the_scratch_budget_is_not_written()
    {
        string deb = RuntimeDeb();
        using var scratch = new TemporaryDirectory(budgetBytes: 1 << 20);

        CandidatePair pair = PackageCandidates.Extract([deb], scratch.Path, scratch.Budget);

        Assert.Null(pair.RuntimePath);
        Assert.Contains("scratch budget of 1048576 bytes", Assert.Single(pair.Problems).Message);
        long written = Directory.EnumerateFiles(scratch.Path, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
        Assert.Equal(0, written);
    }

    [Fact]
    public void The_scratch_directory_is_removed_when_the_run_ends()
    {
        string deb = RuntimeDeb();
        string path;
        using (var scratch = new TemporaryDirectory())
        {
            CandidatePair pair = PackageCandidates.Extract([deb], scratch.Path, scratch.Budget);
            Assert.NotNull(pair.RuntimePath);
            Assert.Equal(2L << 20, scratch.Budget.ReservedBytes);
            path = scratch.Path;
        }
        Assert.False(Directory.Exists(path));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
