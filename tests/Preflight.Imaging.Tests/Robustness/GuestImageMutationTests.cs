using System.Text;
using Preflight.Imaging.Agent;
using Xunit.Abstractions;

namespace Preflight.Imaging.Tests.Robustness;

/// <summary>
/// The mutation sweep over guest images: real fixtures (mkfs.ext4/xfs/erofs, sfdisk, cpio and the compressors
/// made them) damaged deterministically, each damaged copy then run through what the CLI does with an image:
/// GuestImage.Open, AgentLocator.Locate, OsBuilderMetadata.Read, AgentLocator.ReadAgent. Every case must either
/// succeed or throw exactly ImageFormatException naming the file, within a time limit and an allocation cap.
/// A failure names fixture, strategy, seed, case index and the exact bytes changed (see Mutation.ToString).
/// </summary>
public sealed class GuestImageMutationTests(ITestOutputHelper output)
{
    /// <summary>Cases take milliseconds; this only has to be far above that on a loaded 2-core runner.</summary>
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Opening an image holds a few MiB of caches, reading the agent holds its bytes (1.5 MiB here): 64 MiB plus
    /// four times the image is far above an honest read and far below what a size field taken at its word costs.
    /// </summary>
    private static long AllocationCap(long imageLength) => (64L << 20) + 4 * imageLength;

    /// <summary>Where to damage: the reads of open + locate, the small reads of ReadAgent, or the whole file.</summary>
    public const string Structure = "structure";
    public const string ContentPath = "content-path";
    public const string CpioHeaders = "cpio-headers";
    public const string Stream = "stream";
    public const string Anywhere = "anywhere";

    public static TheoryData<string, string, string, int, int> Sweeps => new()
    {
        // fixture, region set, strategy, seed, cases
        { "layouts/bare-erofs.img", Structure, MutationPlan.Flip, 101, 300 },
        { "layouts/bare-erofs.img", Structure, MutationPlan.Field, 102, 300 },
        { "layouts/bare-erofs.img", Structure, MutationPlan.MultiFlip, 105, 200 },
        { "layouts/bare-erofs.img", ContentPath, MutationPlan.Flip, 103, 100 },
        { "layouts/bare-erofs.img", Structure, MutationPlan.Truncate, 104, 30 },
        { "layouts/gpt-erofs.img", Structure, MutationPlan.Flip, 111, 150 },
        { "layouts/gpt-erofs.img", Structure, MutationPlan.Field, 112, 150 },
        { "layouts/dax-erofs.img", Structure, MutationPlan.Flip, 121, 150 },
        { "layouts/dax-erofs.img", Structure, MutationPlan.Field, 122, 150 },
        { "layouts/mbr-erofs.img", Structure, MutationPlan.Field, 131, 100 },
        { "layouts/measured-erofs.img", Structure, MutationPlan.Field, 132, 100 },
        { "layouts/variant-agent-init-erofs.img", Structure, MutationPlan.Field, 133, 100 },
        { "erofs/lz4.erofs", Structure, MutationPlan.Flip, 141, 200 },
        { "erofs/lz4.erofs", Structure, MutationPlan.Field, 142, 200 },
        { "erofs/lz4.erofs", ContentPath, MutationPlan.Flip, 143, 200 },
        { "erofs/lz4.erofs", ContentPath, MutationPlan.Field, 144, 200 },
        { "erofs/lz4hc-bigpcluster.erofs", ContentPath, MutationPlan.Field, 151, 150 },
        { "erofs/lz4-legacy.erofs", ContentPath, MutationPlan.MultiFlip, 152, 150 },
        { "erofs/chunked-indexes.erofs", Structure, MutationPlan.Field, 161, 150 },
        { "erofs/chunked-indexes.erofs", ContentPath, MutationPlan.Field, 162, 100 },
        { "erofs/lz4-ztailpacking.erofs", Structure, MutationPlan.Flip, 171, 150 },
        { "erofs/lz4-ztailpacking.erofs", Structure, MutationPlan.Field, 172, 150 },
        { "erofs/extended.erofs", Structure, MutationPlan.Field, 173, 150 },
        { "layouts/bare-ext4.img", Structure, MutationPlan.Flip, 201, 300 },
        { "layouts/bare-ext4.img", Structure, MutationPlan.Field, 202, 300 },
        { "layouts/bare-ext4.img", Structure, MutationPlan.MultiFlip, 205, 200 },
        { "layouts/bare-ext4.img", ContentPath, MutationPlan.Field, 203, 100 },
        { "layouts/bare-ext4.img", Structure, MutationPlan.Truncate, 204, 12 },
        { "layouts/gpt-ext4.img", Structure, MutationPlan.Field, 206, 100 },
        { "layouts/variant-abs-symlink-ext4.img", Structure, MutationPlan.Field, 207, 100 },
        { "ext4/ext4-blockmap.img", Structure, MutationPlan.Field, 211, 150 },
        { "ext4/ext4-blockmap.img", ContentPath, MutationPlan.Field, 212, 100 },
        { "ext4/ext4-inline.img", Structure, MutationPlan.Flip, 221, 150 },
        { "ext4/ext4-1k.img", Structure, MutationPlan.Field, 222, 150 },
        { "ext4/ext2.img", Structure, MutationPlan.Field, 223, 100 },
        { "layouts/bare-xfs.img", Structure, MutationPlan.Flip, 301, 300 },
        { "layouts/bare-xfs.img", Structure, MutationPlan.Field, 302, 300 },
        { "layouts/bare-xfs.img", Structure, MutationPlan.MultiFlip, 305, 200 },
        { "layouts/bare-xfs.img", ContentPath, MutationPlan.Field, 303, 100 },
        { "layouts/bare-xfs.img", Structure, MutationPlan.Truncate, 304, 6 },
        { "layouts/variant-abs-symlink-xfs.img", Structure, MutationPlan.Field, 306, 100 },
        { "initrd/initrd-none.img", CpioHeaders, MutationPlan.Flip, 401, 200 },
        { "initrd/initrd-none.img", CpioHeaders, MutationPlan.Field, 402, 200 },
        { "initrd/initrd-none.img", CpioHeaders, MutationPlan.Truncate, 403, 20 },
        { "initrd/initrd-crc.img", CpioHeaders, MutationPlan.Field, 404, 100 },
        { "initrd/variant-abs-symlink.cpio", CpioHeaders, MutationPlan.Field, 405, 100 },
        { "initrd/initrd-early-gzip.img", CpioHeaders, MutationPlan.Field, 406, 60 },
        { "initrd/initrd-gzip.img", Stream, MutationPlan.Flip, 411, 30 },
        { "initrd/initrd-gzip.img", Stream, MutationPlan.Truncate, 412, 8 },
        { "initrd/initrd-gzip-members.img", Stream, MutationPlan.Field, 413, 20 },
        { "initrd/initrd-zstd.img", Stream, MutationPlan.Flip, 421, 30 },
        { "initrd/initrd-zstd.img", Stream, MutationPlan.Truncate, 422, 8 },
        { "initrd/initrd-zstd-padded.img", Stream, MutationPlan.Field, 423, 20 },
        { "initrd/initrd-xz.img", Stream, MutationPlan.Flip, 431, 25 },
        { "initrd/initrd-xz.img", Stream, MutationPlan.Truncate, 432, 8 },
        { "initrd/initrd-lz4legacy.img", Stream, MutationPlan.Flip, 441, 30 },
        { "initrd/initrd-lz4legacy.img", Stream, MutationPlan.Field, 442, 20 },
        { "initrd/initrd-lz4frame.img", Stream, MutationPlan.Flip, 451, 30 },
        { "initrd/initrd-lz4frame.img", Stream, MutationPlan.Truncate, 452, 8 },
        // Cut anywhere, the agent's own blocks included: its content then runs past the end of the file.
        { "layouts/bare-erofs.img", Anywhere, MutationPlan.Truncate, 901, 40 },
        { "erofs/lz4.erofs", Anywhere, MutationPlan.Truncate, 902, 40 },
        { "erofs/chunked-indexes.erofs", Anywhere, MutationPlan.Truncate, 903, 20 },
        { "layouts/mbr-erofs.img", Anywhere, MutationPlan.Truncate, 904, 20 },
        { "layouts/bare-ext4.img", Anywhere, MutationPlan.Truncate, 905, 15 },
        { "ext4/ext4-blockmap.img", Anywhere, MutationPlan.Truncate, 906, 15 },
        { "layouts/bare-xfs.img", Anywhere, MutationPlan.Truncate, 907, 8 },
        { "initrd/initrd-none.img", Anywhere, MutationPlan.Truncate, 908, 20 },
        { "initrd/initrd-lz4legacy.img", Anywhere, MutationPlan.Truncate, 909, 10 },
    };

    [Theory]
    [MemberData(nameof(Sweeps))]
    public void Damaged_image_is_read_or_rejected_with_an_image_format_error(string fixture, string regions, string strategy, int seed, int cases)
    {
        using var scratch = new ScratchCopy(TestData.Generated(fixture.Split('/')));
        bool bigEndian = fixture.Contains("xfs", StringComparison.Ordinal);
        List<Mutation> mutations = MutationPlan.Make(scratch.Original, Regions(scratch.Original, fixture, regions), strategy, seed, cases, bigEndian);

        Bounded.Sweep($"{fixture} {regions} {strategy} seed {seed}", scratch, mutations, [typeof(ImageFormatException)],
            CaseTimeout, AllocationCap(scratch.Original.Length), ReadLikeTheCli, output.WriteLine);
    }

    /// <summary>What ImageInspector.Inspect in the CLI does with an image, minus the binary analysis.</summary>
    internal static void ReadLikeTheCli(string path)
    {
        try
        {
            using OpenedImage image = GuestImage.Open(path);
            AgentLocation? agent = AgentLocator.Locate(image.FileSystem);
            OsBuilderMetadata.Read(image.FileSystem);
            if (agent is not null)
            {
                AgentLocator.ReadAgent(image, agent);
            }
        }
        catch (ImageFormatException e) when (!e.Message.Contains(path, StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"the ImageFormatException does not name the image file: {e.Message}", e);
        }
    }

    internal static List<Region> Regions(byte[] image, string fixture, string set)
    {
        switch (set)
        {
            case Structure:
                return ReadTrace.Of(image, fixture).Structure;
            case ContentPath:
                return ReadTrace.Of(image, fixture).ContentPath;
            case CpioHeaders:
                return CpioHeaderRegions(image);
            case Anywhere:
                return [new Region(0, image.Length)];
            case Stream:
                // The compressed stream's header and trailer (magics, flags, sizes, checksums) get as many hits
                // as its whole body.
                return MutationPlan.Merge(
                    [new Region(0, 64), new Region(image.Length - 64, 64), new Region(64, image.Length - 128)], image.Length);
            default:
                throw new ArgumentException($"unknown region set {set}", nameof(set));
        }
    }

    /// <summary>Each cpio newc header (110 bytes) with its name, found by its "07070" magic.</summary>
    private static List<Region> CpioHeaderRegions(byte[] image)
    {
        var regions = new List<Region>();
        ReadOnlySpan<byte> magic = "07070"u8;
        for (int at = 0; at + 110 <= image.Length; at += 4)
        {
            if (image.AsSpan(at, 5).SequenceEqual(magic))
            {
                // Bytes in file data can look like a magic too; a real header has a hex name size.
                if (int.TryParse(Encoding.ASCII.GetString(image, at + 94, 8), System.Globalization.NumberStyles.HexNumber, null, out int nameSize))
                {
                    regions.Add(new Region(at, 110 + Math.Min(nameSize, 256)));
                }
            }
        }
        return MutationPlan.Merge(regions, image.Length);
    }
}
