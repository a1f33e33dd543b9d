using System.Diagnostics;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

/// <summary>
/// Packages whose compressed members expand far past what they could honestly hold. The .debs are assembled here
/// from real tools (tar, bzip2, gzip, ar: dpkg-deb no longer builds bzip2 members); the 256 GiB claim is a real
/// tar header whose size field is then rewritten, since no tool writes a claim without the data behind it.
/// </summary>
public sealed class PackageBombTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-bomb-").FullName;

    /// <summary>Assembles kata-containers-image_9.9.9_amd64.deb from root/ with a bzip2 data.tar; returns its path.</summary>
    private string BuildDeb(string dataTarCommand)
    {
        Tool.Shell(_directory, $"""
            mkdir -p control
            printf 'Package: kata-containers-image\nVersion: 9.9.9\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: test\n' > control/control
            printf '2.0\n' > debian-binary
            tar -C control -czf control.tar.gz ./control
            {dataTarCommand}
            rm -f bomb.deb
            ar rc bomb.deb debian-binary control.tar.gz data.tar.bz2
            """);
        return Path.Combine(_directory, "bomb.deb");
    }

    [Fact]
    public void Three_large_images_in_a_tiny_deb_are_refused_before_anything_is_copied()
    {
        // Three 300 MiB images of zeros: bzip2 makes them a few KiB, which may expand 256 MiB + 1000x at most.
        string deb = BuildDeb("""
            mkdir -p root/usr/share/kata-containers
            for n in 1 2 3; do truncate -s 300M root/usr/share/kata-containers/kata-containers-$n.img; done
            tar -C root -cf - ./usr | bzip2 -1 > data.tar.bz2
            """);
        Assert.True(new FileInfo(deb).Length < 200_000, $"the .deb is {new FileInfo(deb).Length} bytes");
        string scratch = Path.Combine(_directory, "scratch");
        var budget = new ScratchBudget(PackageLimits.DefaultScratchBytes);

        var error = Assert.Throws<PackageFormatException>(() =>
            PackageReader.Open(deb, new PackageCapture(scratch, _ => long.MaxValue, budget)));

        Assert.Equal(deb, error.File);
        Assert.Contains("data.tar.bz2", error.Problem);
        Assert.Contains("decompression bomb", error.Problem);
        long written = Directory.Exists(scratch) ? Directory.EnumerateFiles(scratch, "*", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length) : 0;
        Assert.Equal(0, written);
    }

    [Fact]
    public void A_member_claiming_256_GiB_is_refused_at_the_claim()
    {
        string deb = BuildDeb("""
            mkdir -p root/usr/share/kata-containers
            printf 'x' > root/usr/share/kata-containers/kata-containers.img
            tar --format=gnu -C root -cf data.tar ./usr/share/kata-containers/kata-containers.img
            """ + "\n" + ClaimCommand + "\nbzip2 -9 < data.tar > data.tar.bz2");

        var watch = Stopwatch.StartNew();
        var error = Assert.Throws<PackageFormatException>(() => PackageReader.Open(deb));

        Assert.Equal(deb, error.File);
        Assert.Contains($"{256L << 30} bytes or more", error.Problem);
        // A safety limit, not a timing assertion: decompressing 256 GiB would take an hour.
        Assert.True(watch.Elapsed < TimeSpan.FromMinutes(1), $"took {watch.Elapsed}");
    }

    /// <summary>
    /// Rewrites the first tar header's size to 256 GiB in GNU base-256 form (first byte 0x80, then big-endian) and
    /// fixes its checksum, with a few lines of python3 on the real tar file.
    /// </summary>
    private static string ClaimCommand => """
        python3 - <<'PY'
        h = bytearray(open('data.tar', 'rb').read())
        size = 256 << 30
        h[124:136] = bytes([0x80]) + size.to_bytes(11, 'big')
        h[148:156] = b' ' * 8
        h[148:156] = b'%06o\0 ' % sum(h[0:512])
        open('data.tar', 'wb').write(h)
        PY
        """;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
