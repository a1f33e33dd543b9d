using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using Preflight.Host.Packages;
using Xunit.Abstractions;

namespace Preflight.Host.Tests.Robustness;

/// <summary>
/// The mutation sweep over packages: the dpkg-deb and rpmbuild fixtures damaged deterministically, then read the
/// way the CLI reads a candidate package (PackageReader.Open, the file list, following links to the guest image
/// and the runtime, streaming them out with a bounded copy, ReadFile of a small file). Every case must succeed or
/// throw PackageFormatException, or FileNotFoundException where IPackage documents it (a path, or a link's
/// target, that the damaged list no longer holds), within a time limit and an allocation cap.
/// </summary>
public sealed class PackageMutationTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    private static readonly Type[] Allowed = [typeof(PackageFormatException), typeof(FileNotFoundException)];

    /// <summary>What the CLI extracts from a Kata package: the image behind its symlink, the runtime behind its hard link.</summary>
    private static readonly string[] Members =
    [
        "/usr/share/kata-containers/kata-containers.img",
        "/usr/bin/kata-runtime",
    ];

    private const string SmallMember = "/usr/share/defaults/kata-containers/configuration.toml";

    /// <summary>
    /// Streaming reads hold a decompressor window and a copy buffer (a few MiB, xz the most); the file list and
    /// headers are small. 64 MiB plus four times the package is far above that.
    /// </summary>
    private static long AllocationCap(long packageLength) => (64L << 20) + 4 * packageLength;

    public const string Deb = "deb";
    public const string Rpm = "rpm";
    public const string Streams = "streams";
    public const string Anywhere = "anywhere";

    public static TheoryData<string, string, string, int, int> RawSweeps => new()
    {
        // fixture, region set, strategy, seed, cases
        { "kata-containers_3.2.0-1_amd64.gz.deb", Deb, MutationPlan.Flip, 501, 150 },
        { "kata-containers_3.2.0-1_amd64.gz.deb", Deb, MutationPlan.Field, 502, 150 },
        { "kata-containers_3.2.0-1_amd64.gz.deb", Deb, MutationPlan.Truncate, 503, 30 },
        { "kata-containers_3.2.0-1_amd64.xz.deb", Deb, MutationPlan.Flip, 511, 100 },
        { "kata-containers_3.2.0-1_amd64.xz.deb", Streams, MutationPlan.Field, 512, 100 },
        { "kata-containers_3.2.0-1_amd64.zst.deb", Deb, MutationPlan.Flip, 521, 100 },
        { "kata-containers_3.2.0-1_amd64.zst.deb", Streams, MutationPlan.Field, 522, 100 },
        { "kata-containers-3.2.0-1.x86_64.gz.rpm", Rpm, MutationPlan.Flip, 601, 200 },
        { "kata-containers-3.2.0-1.x86_64.gz.rpm", Rpm, MutationPlan.Field, 602, 250 },
        { "kata-containers-3.2.0-1.x86_64.gz.rpm", Rpm, MutationPlan.Truncate, 603, 30 },
        { "kata-containers-3.2.0-1.x86_64.xz.rpm", Rpm, MutationPlan.Field, 611, 100 },
        { "kata-containers-3.2.0-1.x86_64.xz.rpm", Streams, MutationPlan.Flip, 612, 100 },
        { "kata-containers-3.2.0-1.x86_64.zst.rpm", Rpm, MutationPlan.Field, 621, 100 },
        { "kata-containers-3.2.0-1.x86_64.zst.rpm", Streams, MutationPlan.Flip, 622, 100 },
        { "kata-containers_3.2.0-1_amd64.xz.deb", Anywhere, MutationPlan.Truncate, 631, 30 },
        { "kata-containers_3.2.0-1_amd64.zst.deb", Anywhere, MutationPlan.Truncate, 632, 30 },
        { "kata-containers-3.2.0-1.x86_64.xz.rpm", Anywhere, MutationPlan.Truncate, 633, 30 },
        { "kata-containers-3.2.0-1.x86_64.zst.rpm", Anywhere, MutationPlan.Truncate, 634, 30 },
    };

    [Theory]
    [MemberData(nameof(RawSweeps))]
    public void Damaged_package_is_read_or_rejected_with_a_package_error(string fixture, string regions, string strategy, int seed, int cases)
    {
        using var scratch = new ScratchCopy(TestData.Generated("packages", fixture));
        byte[] original = scratch.Original;
        List<Region> where = regions switch
        {
            Deb => DebRegions(original),
            Rpm => RpmRegions(original),
            Anywhere => [new Region(0, original.Length)],
            _ => CompressedStreamRegions(original),
        };
        // rpm headers are big-endian; ar headers are text, where the byte order does not matter.
        List<Mutation> mutations = MutationPlan.Make(original, where, strategy, seed, cases, bigEndian: fixture.EndsWith(".rpm", StringComparison.Ordinal));
        Bounded.Sweep($"{fixture} {regions} {strategy} seed {seed}", scratch, mutations, Allowed,
            CaseTimeout, AllocationCap(original.Length), ReadLikeTheCli, output.WriteLine);
    }

    public static TheoryData<string, string, int, int> InnerSweeps => new()
    {
        // fixture (gzip-compressed members, recompressed after damage), strategy, seed, cases
        { "kata-containers_3.2.0-1_amd64.gz.deb", MutationPlan.Field, 701, 120 },
        { "kata-containers_3.2.0-1_amd64.gz.deb", MutationPlan.Flip, 702, 80 },
        { "kata-containers-3.2.0-1.x86_64.gz.rpm", MutationPlan.Field, 711, 100 },
        { "kata-containers-3.2.0-1.x86_64.gz.rpm", MutationPlan.Flip, 712, 60 },
    };

    /// <summary>
    /// The archive inside the compression: tar headers of the deb's control.tar and data.tar, cpio headers of the
    /// rpm payload. A damaged compressed stream mostly fails its checksum; to reach the archive readers the
    /// member is decompressed, damaged and compressed again (with .NET's gzip) into an otherwise identical package.
    /// The case names offsets in the decompressed member.
    /// </summary>
    [Theory]
    [MemberData(nameof(InnerSweeps))]
    public void Damaged_archive_inside_the_compression_is_read_or_rejected(string fixture, string strategy, int seed, int cases)
    {
        byte[] original = File.ReadAllBytes(TestData.Generated("packages", fixture));
        string directory = Directory.CreateTempSubdirectory("preflight-robust-").FullName;
        try
        {
            string path = Path.Combine(directory, fixture);
            var failures = new List<string>();
            int rejectedCount = 0;
            IReadOnlyList<InnerArchive> inners = fixture.EndsWith(".deb", StringComparison.Ordinal)
                ? [DebMember(original, "control.tar.gz"), DebMember(original, "data.tar.gz")]
                : [RpmPayload(original)];
            for (int i = 0; i < cases; i++)
            {
                InnerArchive inner = inners[i % inners.Count];
                Mutation mutation = MutationPlan.Make(inner.Decompressed, inner.Headers, strategy, seed + i, 1)[0];
                File.WriteAllBytes(path, inner.Rebuild(mutation.ApplyTo(inner.Decompressed)));
                string? failure = Bounded.Run(() => ReadLikeTheCli(path), Allowed, CaseTimeout, AllocationCap(original.Length), out bool rejected);
                if (failure is not null)
                {
                    failures.Add($"{fixture} {inner.Name} seed {seed + i} [{mutation}]: {failure}");
                }
                rejectedCount += rejected ? 1 : 0;
            }
            output.WriteLine($"{fixture} inner {strategy} seed {seed}: {cases} mutations, {rejectedCount} rejected");
            Assert.True(failures.Count == 0, $"{failures.Count} of {cases} mutations misbehaved:\n" + string.Join("\n", failures.Take(15)));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>What PackageCandidates in the CLI does with a package, plus a ReadFile of a small member.</summary>
    internal static void ReadLikeTheCli(string path)
    {
        try
        {
            IPackage package = PackageReader.Open(path);
            _ = package.Info.Version;
            var buffer = new byte[1 << 16];
            foreach (string member in Members)
            {
                if (package.Find(member) is null)
                {
                    continue;
                }
                using Stream content = package.OpenFile(member);
                long total = 0;
                int read;
                while ((read = content.Read(buffer)) > 0)
                {
                    total += read;
                    Assert.True(total <= 64L << 20, "a member streamed more than 64 MiB: the length bound is not enforced");
                }
            }
            if (package.Find(SmallMember) is { Kind: PackageFileKind.Regular })
            {
                package.ReadFile(SmallMember, 1 << 20);
            }
        }
        catch (PackageFormatException e) when (e.File != path)
        {
            throw new InvalidOperationException($"the PackageFormatException does not name the package file: {e.Message}", e);
        }
    }

    /// <summary>The ar global header, each 60-byte member header, debian-binary, and the ends of each member.</summary>
    private static List<Region> DebRegions(byte[] deb)
    {
        var regions = new List<Region> { new(0, 8) };
        foreach ((string _, long header, long data, long size) in ArMembers(deb))
        {
            regions.Add(new Region(header, 60));
            regions.Add(new Region(data, Math.Min(size, 64)));
            regions.Add(new Region(Math.Max(data, data + size - 64), Math.Min(size, 64)));
        }
        return MutationPlan.Merge(regions, deb.Length);
    }

    /// <summary>Lead, both headers' preambles, index entries and stores, and the payload's first and last bytes.</summary>
    private static List<Region> RpmRegions(byte[] rpm)
    {
        var regions = new List<Region> { new(0, 96) };
        long payload = RpmPayloadOffset(rpm, regions);
        regions.Add(new Region(payload, 64));
        regions.Add(new Region(rpm.Length - 64, 64));
        return MutationPlan.Merge(regions, rpm.Length);
    }

    /// <summary>Where the compressed payload starts: after the lead and the two headers (the first padded to 8).</summary>
    private static long RpmPayloadOffset(byte[] rpm, List<Region>? headerRegions = null)
    {
        long offset = 96;
        for (int header = 0; header < 2; header++)
        {
            int count = BinaryPrimitives.ReadInt32BigEndian(rpm.AsSpan((int)offset + 8));
            int store = BinaryPrimitives.ReadInt32BigEndian(rpm.AsSpan((int)offset + 12));
            headerRegions?.Add(new Region(offset, 16));
            headerRegions?.Add(new Region(offset + 16, 16L * count));
            headerRegions?.Add(new Region(offset + 16 + 16L * count, store));
            offset += 16 + 16L * count + store;
            if (header == 0)
            {
                offset += (8 - (offset & 7)) & 7;
            }
        }
        return offset;
    }

    /// <summary>Whole compressed streams, head and tail (magics, block headers, checksums) weighted like the body.</summary>
    private static List<Region> CompressedStreamRegions(byte[] package)
    {
        if (package[0] == (byte)'!')
        {
            var regions = new List<Region>();
            foreach ((string name, long _, long data, long size) in ArMembers(package))
            {
                if (name.StartsWith("data.tar", StringComparison.Ordinal) || name.StartsWith("control.tar", StringComparison.Ordinal))
                {
                    regions.Add(new Region(data, 64));
                    regions.Add(new Region(data + size - 64, 64));
                    regions.Add(new Region(data + 64, size - 128));
                }
            }
            return regions;
        }
        long payload = RpmPayloadOffset(package);
        return [new Region(payload, 64), new Region(package.Length - 64, 64), new Region(payload + 64, package.Length - payload - 128)];
    }

    private static IEnumerable<(string Name, long Header, long Data, long Size)> ArMembers(byte[] deb)
    {
        long position = 8;
        while (position + 60 <= deb.Length)
        {
            string name = Encoding.ASCII.GetString(deb, (int)position, 16).TrimEnd(' ', '/');
            long size = long.Parse(Encoding.ASCII.GetString(deb, (int)position + 48, 10).Trim(), CultureInfo.InvariantCulture);
            yield return (name, position, position + 60, size);
            position += 60 + size + (size & 1);
        }
    }

    /// <summary>A compressed archive inside a package: its bytes inflated, where its headers are, how to put it back.</summary>
    private sealed record InnerArchive(string Name, byte[] Decompressed, List<Region> Headers, Func<byte[], byte[]> Rebuild);

    private static InnerArchive DebMember(byte[] deb, string memberName)
    {
        var members = ArMembers(deb).ToList();
        var member = members.Single(m => m.Name == memberName);
        byte[] tar = Gunzip(deb.AsSpan((int)member.Data, (int)member.Size).ToArray());
        return new InnerArchive(memberName, tar, TarHeaders(tar), damaged =>
        {
            // Same members in the same order; only this one's bytes (and so its size field) change.
            using var output = new MemoryStream();
            output.Write("!<arch>\n"u8);
            foreach (var m in members)
            {
                byte[] data = m.Name == memberName ? Gzip(damaged) : deb.AsSpan((int)m.Data, (int)m.Size).ToArray();
                byte[] header = deb.AsSpan((int)m.Header, 60).ToArray();
                Encoding.ASCII.GetBytes(data.Length.ToString(CultureInfo.InvariantCulture).PadRight(10)).CopyTo(header, 48);
                output.Write(header);
                output.Write(data);
                if ((data.Length & 1) != 0)
                {
                    output.WriteByte((byte)'\n');
                }
            }
            return output.ToArray();
        });
    }

    private static InnerArchive RpmPayload(byte[] rpm)
    {
        int payload = (int)RpmPayloadOffset(rpm);
        byte[] cpio = Gunzip(rpm[payload..]);
        return new InnerArchive("payload.cpio", cpio, CpioHeaders(cpio), damaged => [.. rpm.AsSpan(0, payload), .. Gzip(damaged)]);
    }

    /// <summary>Each 512-byte tar header, walking the sizes (octal at 124) from the first.</summary>
    private static List<Region> TarHeaders(byte[] tar)
    {
        var regions = new List<Region>();
        long position = 0;
        while (position + 512 <= tar.Length && tar[position] != 0)
        {
            regions.Add(new Region(position, 512));
            string octal = Encoding.ASCII.GetString(tar, (int)position + 124, 12).Trim('\0', ' ');
            long size = Convert.ToInt64(octal, 8);
            position += 512 + (size + 511) / 512 * 512;
        }
        return regions;
    }

    /// <summary>Each cpio newc header (110 bytes) with its name, walking the sizes from the first.</summary>
    private static List<Region> CpioHeaders(byte[] cpio)
    {
        var regions = new List<Region>();
        long position = 0;
        while (position + 110 <= cpio.Length)
        {
            long size = long.Parse(Encoding.ASCII.GetString(cpio, (int)position + 54, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            long nameSize = long.Parse(Encoding.ASCII.GetString(cpio, (int)position + 94, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            regions.Add(new Region(position, 110 + nameSize));
            if (Encoding.ASCII.GetString(cpio, (int)position + 110, (int)nameSize - 1) == "TRAILER!!!")
            {
                break;
            }
            position += (110 + nameSize + 3) / 4 * 4;
            position += (size + 3) / 4 * 4;
        }
        return regions;
    }

    private static byte[] Gunzip(byte[] compressed)
    {
        using var input = new GZipStream(new MemoryStream(compressed), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }
        return output.ToArray();
    }
}
