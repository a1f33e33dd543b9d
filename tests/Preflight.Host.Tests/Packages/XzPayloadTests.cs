using System.Diagnostics;
using System.Globalization;
using System.Text;
using Preflight.Host.Packages;
using Preflight.Formats.Compression;

namespace Preflight.Host.Tests.Packages;

/// <summary>
/// -Zxz debs and w6.xzdio rpms through the package entry points, decoded by liblzma: every liblzma failure
/// (corrupt, truncated, over the memory limit) reaches the caller as a PackageFormatException naming the file.
/// </summary>
public sealed class XzPayloadTests : IDisposable
{
    private const string Deb = "kata-containers_3.2.0-1_amd64.xz.deb";
    private const string Rpm = "kata-containers-3.2.0-1.x86_64.xz.rpm";
    private const string Image = "/usr/share/kata-containers/kata-containers-3.2.0.img";

    private readonly string _directory = Directory.CreateTempSubdirectory("preflight-xz-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Xz_packages_are_decoded_by_liblzma_and_read_as_the_tools_list_them()
    {
        Assert.Equal(XzDecoder.Native, XzDecompression.Preferred);
        foreach (string fixture in new[] { Deb, Rpm })
        {
            IPackage package = PackageReader.Open(TestData.Generated(ToolRecords.Area, fixture));
            Assert.Contains(package.Files, f => f.Path == Image);
            byte[] image = package.ReadFile(Image, 16 << 20);
            Assert.NotEmpty(image);
        }
    }

    [Fact]
    public void A_corrupt_data_tar_xz_is_a_package_error_naming_the_liblzma_status()
    {
        byte[] deb = Fixture(Deb);
        (int offset, int size) = ArMember(deb, "data.tar.xz");
        deb[offset + size / 2] ^= 0x55;
        string path = Write(Deb, deb);

        var error = Assert.Throws<PackageFormatException>(() => PackageReader.Open(path));
        Assert.Equal(path, error.File);
        Assert.Contains("data.tar.xz is corrupt: xz: corrupt data (LZMA_DATA_ERROR)", error.Message);
    }

    [Fact]
    public void A_truncated_rpm_xz_payload_is_a_package_error()
    {
        byte[] rpm = Fixture(Rpm);
        string path = Write(Rpm, rpm[..(rpm.Length * 3 / 4)]);

        var package = RpmPackage.Open(path); // the headers are intact
        var error = Assert.Throws<PackageFormatException>(() => package.ReadFile(Image, 16 << 20));
        Assert.Equal(path, error.File);
        Assert.Contains("(LZMA_BUF_ERROR)", error.Message);
    }

    [Fact]
    public void A_data_tar_xz_demanding_a_huge_dictionary_is_refused()
    {
        // The same data.tar, recompressed by xz with a 512 MiB dictionary (only reserved by the encoder, so cheap
        // to make): decoding would need 513 MiB, over XzDecompression.MemoryLimit.
        byte[] deb = Fixture(Deb);
        (int offset, int size) = ArMember(deb, "data.tar.xz");
        byte[] tar = RunXz(deb[offset..(offset + size)], "-dc");
        byte[] huge = RunXz(tar, "-c", "--lzma2=dict=512MiB");
        string path = Write(Deb, ReplaceArMember(deb, "data.tar.xz", huge));

        var error = Assert.Throws<PackageFormatException>(() => PackageReader.Open(path));
        Assert.Contains("limit of 256 MiB", error.Message);
        Assert.Contains("(LZMA_MEMLIMIT_ERROR)", error.Message);
    }

    private static byte[] Fixture(string name) => File.ReadAllBytes(TestData.Generated(ToolRecords.Area, name));

    private string Write(string name, byte[] bytes)
    {
        string path = Path.Combine(_directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    /// <summary>Where an ar member's data starts and how long it is.</summary>
    private static (int Offset, int Size) ArMember(byte[] deb, string name)
    {
        int position = 8;
        while (position + 60 <= deb.Length)
        {
            int size = int.Parse(Encoding.ASCII.GetString(deb, position + 48, 10).Trim(), CultureInfo.InvariantCulture);
            if (Encoding.ASCII.GetString(deb, position, 16).TrimEnd(' ', '/') == name)
            {
                return (position + 60, size);
            }
            position += 60 + size + (size & 1);
        }
        throw new InvalidOperationException($"no ar member {name}");
    }

    /// <summary>The deb with one member's bytes (and size field) replaced; data.tar is the last member.</summary>
    private static byte[] ReplaceArMember(byte[] deb, string name, byte[] data)
    {
        (int offset, int _) = ArMember(deb, name);
        byte[] header = deb[(offset - 60)..offset];
        Encoding.ASCII.GetBytes(data.Length.ToString(CultureInfo.InvariantCulture).PadRight(10)).CopyTo(header, 48);
        return [.. deb[..(offset - 60)], .. header, .. data, .. (data.Length & 1) == 1 ? "\n"u8.ToArray() : []];
    }

    private static byte[] RunXz(byte[] input, params string[] arguments)
    {
        var start = new ProcessStartInfo("xz") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process xz = Process.Start(start) ?? throw new InvalidOperationException("xz did not start");
        using var output = new MemoryStream();
        Task copy = xz.StandardOutput.BaseStream.CopyToAsync(output);
        xz.StandardInput.BaseStream.Write(input);
        xz.StandardInput.Close();
        copy.Wait();
        xz.WaitForExit();
        Assert.Equal(0, xz.ExitCode);
        return output.ToArray();
    }
}
