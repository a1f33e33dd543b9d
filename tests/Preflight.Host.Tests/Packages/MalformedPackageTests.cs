using Preflight.Tests;
using System.Text;
using Preflight.Host.Packages;

namespace Preflight.Host.Tests.Packages;

/// <summary>Real packages from make.sh, damaged in one known place: every reader must fail with one clear exception.</summary>
public sealed class MalformedPackageTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("preflight-packages-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData(8 + 30)]   // inside the first ar member header
    [InlineData(2000)]     // inside control.tar or data.tar: the member size now runs past the end
    [InlineData(-100)]     // the last 100 bytes of data.tar missing
    public void A_truncated_deb_names_the_file(int keep)
    {
        string path = Damaged("kata-containers_3.2.0-1_amd64.gz.deb", bytes => bytes[..(keep > 0 ? keep : bytes.Length + keep)]);

        var error = Assert.Throws<PackageFormatException>(() => DebPackage.Open(path));
        Assert.Equal(path, error.File);
        Assert.StartsWith(path + ": ", error.Message);
    }

    [Fact]
    public void A_deb_member_size_past_the_end_is_reported_with_its_offset()
    {
        string path = Damaged("kata-containers_3.2.0-1_amd64.xz.deb", bytes =>
        {
            int header = IndexOf(bytes, "data.tar.xz");
            Encoding.ASCII.GetBytes("9999999999").CopyTo(bytes, header + 48);
            return bytes;
        });

        var error = Assert.Throws<PackageFormatException>(() => PackageReader.Open(path));
        Assert.Contains("runs past the end of the file", error.Problem);
        Assert.NotNull(error.Offset);
    }

    [Fact]
    public void A_deb_whose_data_tar_is_corrupt_fails_as_a_package_error()
    {
        // Overwrite 4 KiB in the middle of the zstd-compressed data.tar.
        string path = Damaged("kata-containers_3.2.0-1_amd64.zst.deb", bytes =>
        {
            Array.Fill(bytes, (byte)0x5A, bytes.Length / 2, 4096);
            return bytes;
        });

        var error = Assert.Throws<PackageFormatException>(() => ReadEverything(path));
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void An_rpm_with_a_bad_header_magic_names_the_file()
    {
        // The signature header starts right after the 96-byte lead.
        string path = Damaged("kata-containers-3.2.0-1.x86_64.gz.rpm", bytes =>
        {
            bytes[96] = 0x00;
            return bytes;
        });

        var error = Assert.Throws<PackageFormatException>(() => PackageReader.Open(path));
        Assert.Equal(path, error.File);
        Assert.Equal(96, error.Offset);
        Assert.Contains("signature header has a bad magic", error.Message);
    }

    [Fact]
    public void An_rpm_header_index_pointing_outside_its_store_is_refused()
    {
        // First index entry of the signature header: offset field at 96 + 16 + 8.
        string path = Damaged("kata-containers-3.2.0-1.x86_64.xz.rpm", bytes =>
        {
            bytes.AsSpan(96 + 16 + 8, 4).Fill(0x7F);
            return bytes;
        });

        var error = Assert.Throws<PackageFormatException>(() => RpmPackage.Open(path));
        Assert.Contains("outside its", error.Problem);
    }

    [Fact]
    public void A_truncated_rpm_payload_fails_when_the_file_is_read()
    {
        string path = Damaged("kata-containers-3.2.0-1.x86_64.gz.rpm", bytes => bytes[..(bytes.Length * 3 / 4)]);

        var rpm = RpmPackage.Open(path); // the headers are intact
        var error = Assert.Throws<PackageFormatException>(() => rpm.ReadFile("/usr/share/kata-containers/kata-containers-3.2.0.img", 16 << 20));
        Assert.Equal(path, error.File);
    }

    [Fact]
    public void Neither_deb_nor_rpm_is_refused_by_the_reader()
    {
        string path = Path.Combine(_directory, "notes.txt");
        File.WriteAllText(path, "not a package at all");

        var error = Assert.Throws<PackageFormatException>(() => PackageReader.Open(path));
        Assert.Contains("neither a .deb", error.Message);
    }

    private static void ReadEverything(string path)
    {
        IPackage package = PackageReader.Open(path);
        foreach (PackageFile file in package.Files.Where(f => f.Kind == PackageFileKind.Regular))
        {
            package.ReadFile(file.Path, 16 << 20);
        }
    }

    private string Damaged(string fixture, Func<byte[], byte[]> damage)
    {
        string path = Path.Combine(_directory, fixture);
        File.WriteAllBytes(path, damage(File.ReadAllBytes(TestData.Generated(ToolRecords.Area, fixture))));
        return path;
    }

    private static int IndexOf(byte[] haystack, string needle)
    {
        int at = haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle));
        Assert.True(at > 0, $"{needle} not found");
        return at;
    }
}
