using System.Text;

namespace Preflight.Cli.Tests.Hostile;

/// <summary>
/// One hostile input per reader and per limit this work touched, run end to end through App.Run: each must end
/// (within a generous safety limit), with exit 0, 1 or 3, one clear error line and no stack trace; never exit 4.
/// Inputs are made by real tools here (cpio, zstd, bzip2, ar, sfdisk, mkfs.ext4) or are real fixtures damaged in
/// the test; the one rewritten tar header is said so where it is made.
/// </summary>
public sealed class HostileCorpusTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-corpus-").FullName;

    private string In(string name) => Path.Combine(_directory, name);

    [Fact]
    public void Initrd_with_junk_after_its_compressed_archive()
    {
        Tool.Shell(_directory, """
            mkdir -p a/usr/bin && printf 'agent' > a/usr/bin/kata-agent
            (cd a && find . | cpio -o -H newc 2>/dev/null) | zstd -q -c > a.zst
            { cat a.zst; head -c 512 /dev/zero; printf 'junk'; head -c 4096 /dev/zero; } > initrd.img
            """);

        CliResult result = Guarded.Run("inspect", "image", In("initrd.img"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, "unrecognised data at byte");
    }

    [Fact]
    public void Initrd_over_the_entry_limit()
    {
        // 5,000 files listed 45 times: 225,000 cpio entries, past MaxEntries (200,000).
        Tool.Shell(_directory, """
            mkdir -p many && (cd many && seq 5000 | xargs touch)
            (cd many && for i in $(seq 45); do find . -type f; done | cpio -o -H newc 2>/dev/null) | gzip -1 > initrd.img
            """);

        CliResult result = Guarded.Run("inspect", "image", In("initrd.img"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, "more than 200000 cpio entries");
    }

    [Fact]
    public void Initrd_of_more_concatenated_archives_than_the_limit()
    {
        Tool.Shell(_directory, """
            mkdir -p one/usr/bin && printf 'agent' > one/usr/bin/kata-agent
            (cd one && find . | cpio -o -H newc 2>/dev/null) > one.cpio
            for i in $(seq 1100); do cat one.cpio; done > initrd.img
            """);

        CliResult result = Guarded.Run("inspect", "image", In("initrd.img"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, "concatenated archives");
    }

    [Fact]
    public void Disk_image_whose_partition_1_is_empty_and_partition_2_bootable()
    {
        Tool.Shell(_directory, """
            mkdir -p two/usr/bin && printf 'agent' > two/usr/bin/kata-agent
            mkfs.ext4 -q -F -d two p2.ext4 8M
            truncate -s 20M image.img
            printf 'label: dos\nstart=2048, size=16384, type=L\nstart=18432, size=16384, type=L, bootable\n' | sfdisk -q image.img
            dd if=p2.ext4 of=image.img bs=512 seek=18432 conv=notrunc status=none
            """);

        CliResult result = Guarded.Run("diff", "--agent", In("image.img"), "--runtime", In("image.img"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, "partition 1");
    }

    [Fact]
    public void Erofs_lz4_image_with_damaged_compressed_data()
    {
        byte[] image = File.ReadAllBytes(TestData.Generated("erofs", "lz4.erofs"));
        var random = new Random(11);
        for (int i = 0; i < 64; i++)
        {
            image[image.Length / 4 + random.Next(image.Length / 2)] ^= (byte)(1 << random.Next(8));
        }
        File.WriteAllBytes(In("lz4.erofs"), image);

        CliResult result = Guarded.Run("inspect", "image", In("lz4.erofs"), "--format", "json");

        Guarded.AssertHandled(result);
    }

    [Fact]
    public void Deb_whose_bzip2_data_member_claims_256_GiB()
    {
        // A real tar header whose size field is rewritten (base-256) to 256 GiB: no tool writes a claim without data.
        Tool.Shell(_directory, """
            mkdir -p control root/usr/bin
            printf 'Package: kata-runtime\nVersion: 9.9.9\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: t\n' > control/control
            printf '2.0\n' > debian-binary
            tar -C control -czf control.tar.gz ./control
            printf 'x' > root/usr/bin/containerd-shim-kata-v2
            tar --format=gnu -C root -cf data.tar ./usr/bin/containerd-shim-kata-v2
            python3 -c "
            h = bytearray(open('data.tar', 'rb').read())
            h[124:136] = bytes([0x80]) + (256 << 30).to_bytes(11, 'big')
            h[148:156] = b' ' * 8
            h[148:156] = b'%06o\0 ' % sum(h[0:512])
            open('data.tar', 'wb').write(h)"
            bzip2 -9 < data.tar > data.tar.bz2
            ar rc claim.deb debian-binary control.tar.gz data.tar.bz2
            """);

        CliResult result = Guarded.Run("check", "--root", _directory, "--package", In("claim.deb"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, $"{In("claim.deb")}: ", "decompression bomb");
    }

    [Fact]
    public void Deb_with_a_damaged_bzip2_data_member()
    {
        Tool.Shell(_directory, """
            mkdir -p pkg/DEBIAN pkg/usr/bin
            printf 'Package: kata-runtime\nVersion: 9.9.9\nArchitecture: amd64\nMaintainer: t <t@example.org>\nDescription: t\n' > pkg/DEBIAN/control
            seq 1 200000 > pkg/usr/bin/containerd-shim-kata-v2
            printf '2.0\n' > debian-binary
            tar -C pkg/DEBIAN -czf control.tar.gz ./control
            tar -C pkg -cf - ./usr | bzip2 -9 > data.tar.bz2
            """);
        byte[] data = File.ReadAllBytes(In("data.tar.bz2"));
        var random = new Random(5);
        for (int i = 0; i < 8; i++)
        {
            data[64 + random.Next(data.Length - 64)] ^= (byte)(1 << random.Next(8));
        }
        File.WriteAllBytes(In("data.tar.bz2"), data);
        Tool.Shell(_directory, "ar rc damaged.deb debian-binary control.tar.gz data.tar.bz2");

        CliResult result = Guarded.Run("check", "--root", _directory, "--package", In("damaged.deb"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, $"{In("damaged.deb")}: ");
    }

    [Fact]
    public void Rpm_cut_short_inside_its_payload()
    {
        byte[] rpm = File.ReadAllBytes(TestData.Generated("packages", "kata-containers-3.2.0-1.x86_64.xz.rpm"));
        File.WriteAllBytes(In("cut.rpm"), rpm[..(rpm.Length * 2 / 3)]);

        CliResult result = Guarded.Run("check", "--root", _directory, "--package", In("cut.rpm"));

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, $"{In("cut.rpm")}: ");
        Assert.DoesNotContain("no Kata runtime binary or guest image", result.Error);
    }

    [Fact]
    public void Apt_hook_input_with_a_line_past_the_length_limit()
    {
        string input = "VERSION 3\nAPT::Architecture=amd64\n\n" + new string('x', 1 << 20) + "\n";

        CliResult result = Guarded.RunWithInput(input, "hook", "apt", "--root", _directory);

        // The hook never stops APT over its own trouble: exit 0 with the reason on stderr.
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Guarded.AssertHandled(result, "line longer than 65536 characters");
    }

    [Fact]
    public void Apt_hook_input_repeating_one_deb_a_hundred_thousand_times()
    {
        string line = $"kata-runtime - - none < 3.2.0-1 amd64 none {In("missing.deb")}\n";
        var input = new StringBuilder("VERSION 3\nAPT::Architecture=amd64\n\n");
        for (int i = 0; i < 100_000; i++)
        {
            input.Append(line);
        }

        CliResult result = Guarded.RunWithInput(input.ToString(), "hook", "apt", "--root", _directory);

        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Guarded.AssertHandled(result);
        // Read once: one note about the missing package, not 100,000.
        Assert.Equal(1, result.Error.Split('\n').Count(l => l.Contains("cannot be read, skipped", StringComparison.Ordinal)));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
