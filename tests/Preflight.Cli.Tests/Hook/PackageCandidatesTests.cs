using Preflight.Checking;
using Preflight.Host.Packages;

namespace Preflight.Cli.Tests.Hook;

/// <summary>Finding the runtime and the guest image inside candidate packages, and copying them out.</summary>
public sealed class PackageCandidatesTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("kata-preflight-candidates-").FullName;

    private static ScratchBudget Budget => new(PackageLimits.DefaultScratchBytes);

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Theory]
    [InlineData("kata-containers_3.2.0-1_amd64.gz.deb")]
    [InlineData("kata-containers_3.2.0-1_amd64.zst.deb")]
    [InlineData("kata-containers-3.2.0-1.x86_64.xz.rpm")]
    public void Distro_package_gives_the_shim_and_the_image_behind_the_default_symlink(string package)
    {
        CandidatePair pair = PackageCandidates.Extract([TestData.Generated("packages", package)], _temp, Budget);

        // payload.sha256 is sha256sum's own answer for the files put into the package.
        string[] truth = File.ReadAllLines(TestData.Generated("packages", "payload.sha256"));
        Assert.Contains($"{Sha256(pair.RuntimePath!)}  /usr/bin/containerd-shim-kata-v2", truth);
        Assert.Contains($"{Sha256(pair.ImagePath!)}  /usr/share/kata-containers/kata-containers-3.2.0.img", truth);
        Assert.Contains(pair.Notes, n => n.StartsWith("guest image: /usr/share/kata-containers/kata-containers.img", StringComparison.Ordinal));
        Assert.DoesNotContain(pair.Notes, n => n.Contains("guest images", StringComparison.Ordinal)); // three names, one image
        Assert.Equal(Path.Combine(_temp, package, "usr/bin/containerd-shim-kata-v2"), pair.RuntimePath);
        Assert.Equal(Path.Combine(_temp, package, "usr/share/kata-containers/kata-containers.img"), pair.ImagePath);
    }

    [Fact]
    public void Kata_static_layout_under_opt_kata()
    {
        CandidatePair pair = PackageCandidates.Extract([HookFixtures.HookPackage("kata-static_3.5.0-1_amd64.deb")], _temp, Budget);

        Assert.Equal(Sha256(TestData.Generated("binaries", "runtime-go-ttrpc-3.5.0-amd64")), Sha256(pair.RuntimePath!));
        Assert.Equal(Sha256(HookFixtures.HookImage("agent-rust-3.2.0-amd64.img")), Sha256(pair.ImagePath!));
        Assert.Contains("runtime: /opt/kata/bin/containerd-shim-kata-v2 from kata-static 3.5.0-1 (kata-static_3.5.0-1_amd64.deb)", pair.Notes);
    }

    [Fact]
    public void Runtime_and_image_from_separate_packages_first_one_wins()
    {
        CandidatePair pair = PackageCandidates.Extract(
        [
            HookFixtures.HookPackage("kata-runtime_1.12.1-1_amd64.deb"),
            HookFixtures.HookPackage("kata-containers-image_3.2.0-1_amd64.deb"),
            HookFixtures.HookPackage("kata-runtime_3.5.0-1_amd64.deb"),
        ], _temp, Budget);

        Assert.Equal(Sha256(TestData.Generated("binaries", "runtime-gogo-grpc-1.12.1-amd64")), Sha256(pair.RuntimePath!));
        Assert.Equal(Sha256(HookFixtures.HookImage("agent-rust-3.2.0-amd64.img")), Sha256(pair.ImagePath!));
        Assert.Contains(pair.Notes, n => n.StartsWith("kata-runtime 3.5.0-1", StringComparison.Ordinal) && n.Contains("also carries", StringComparison.Ordinal));
    }

    [Fact]
    public void Unreadable_package_is_a_note_not_an_exception()
    {
        string bogus = Path.Combine(_temp, "kata-runtime_1_amd64.deb");
        File.WriteAllText(bogus, "!<arch>\nshort");

        CandidatePair pair = PackageCandidates.Extract([bogus], Path.Combine(_temp, "out"), Budget);

        Assert.Null(pair.RuntimePath);
        Assert.Null(pair.ImagePath);
        Assert.Contains(pair.Notes, n => n.StartsWith(bogus + ": cannot be read, skipped", StringComparison.Ordinal));
        Assert.Equal(bogus, Assert.Single(pair.Problems).File);
    }

    [Fact]
    public void Image_preference_puts_the_configured_default_first()
    {
        IPackage package = PackageReader.Open(TestData.Generated("packages", "kata-containers_3.2.0-1_amd64.xz.deb"));

        // kata-containers.img and kata-containers-latest.img both link to kata-containers-3.2.0.img: one image,
        // listed under the name Kata's default configuration uses.
        Assert.Equal(["/usr/share/kata-containers/kata-containers.img"], PackageCandidates.FindImages(package));
    }

    private static string Sha256(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }
}
