using System.Security.Cryptography;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

/// <summary>
/// Files copied out while a .deb's list is read (one decompression of data.tar instead of two), checked against the
/// sha256sum of every file taken when the fixture was built (payload.sha256).
/// </summary>
public sealed class PackageCaptureTests : IDisposable
{
    private const string Shim = "/usr/bin/containerd-shim-kata-v2";
    private const string Image = "/usr/share/kata-containers/kata-containers-3.2.0.img";
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-capture-").FullName;

    [Theory]
    [MemberData(nameof(DebPackageTests.Debs), MemberType = typeof(DebPackageTests))]
    public void Wanted_regular_files_are_copied_during_the_listing_with_their_real_content(string name)
    {
        var wanted = new Dictionary<string, long> { [Shim] = 1 << 30, [Image] = 1 << 30 };
        IPackage package = PackageReader.Open(TestData.Generated(ToolRecords.Area, name),
            new PackageCapture(_directory, path => wanted.TryGetValue(path, out long max) ? max : null));

        foreach (string path in wanted.Keys)
        {
            string? copy = package.CapturedCopy(path);
            Assert.Equal(Path.Combine(_directory, path.TrimStart('/')), copy);
            Assert.Equal(Expected(path), Sha256(copy!));
        }
        // Links are not captured under their own names (the caller follows them to the regular file), nor is
        // anything unwanted.
        Assert.Null(package.CapturedCopy("/usr/bin/kata-runtime"));
        Assert.Null(package.CapturedCopy("/usr/share/kata-containers/kata-containers.img"));
        Assert.Null(package.CapturedCopy("/usr/share/defaults/kata-containers/configuration.toml"));
        Assert.False(File.Exists(Path.Combine(_directory, "usr/share/defaults/kata-containers/configuration.toml")));
    }

    [Fact]
    public void A_file_over_its_limit_is_not_captured_and_is_still_readable_the_slow_way()
    {
        string deb = TestData.Generated(ToolRecords.Area, "kata-containers_3.2.0-1_amd64.xz.deb");
        IPackage package = PackageReader.Open(deb, new PackageCapture(_directory, path => path == Shim ? 1000 : null));

        Assert.Null(package.CapturedCopy(Shim));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
        using Stream content = package.OpenFile(Shim);
        Assert.Equal(Expected(Shim), Convert.ToHexStringLower(SHA256.HashData(content)));
    }

    [Fact]
    public void An_rpm_lists_its_files_from_the_header_so_nothing_is_captured()
    {
        string rpm = TestData.Generated(ToolRecords.Area, "kata-containers-3.2.0-1.x86_64.xz.rpm");
        IPackage package = PackageReader.Open(rpm, new PackageCapture(_directory, _ => long.MaxValue));

        Assert.Null(package.CapturedCopy(Shim));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    private static string Expected(string path) =>
        File.ReadAllLines(TestData.Generated(ToolRecords.Area, "payload.sha256"))
            .Select(line => line.Split("  ", 2))
            .Single(parts => parts[1] == path)[0];

    private static string Sha256(string file) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
