using System.Text.Json;
using Preflight.Formats.Streams;
using Preflight.Imaging;
using Preflight.Imaging.Layouts;
using Preflight.Tests;

namespace Preflight.Imaging.Tests.Layouts;

/// <summary>Partition tables alone, compared with sfdisk's own reading of each fixture (no filesystem reader).</summary>
public sealed class LayoutDetectionTests
{
    public static TheoryData<string, string> Tables => new()
    {
        { "mbr-ext4.img", "mbr" }, { "mbr-xfs.img", "mbr" }, { "mbr-erofs.img", "mbr" },
        { "gpt-ext4.img", "gpt" }, { "gpt-xfs.img", "gpt" }, { "gpt-erofs.img", "gpt" },
        { "dax-ext4.img", "kata-dax" }, { "dax-xfs.img", "kata-dax" }, { "dax-erofs.img", "kata-dax" },
        { "measured-ext4.img", "mbr" }, { "measured-xfs.img", "mbr" }, { "measured-erofs.img", "mbr" },
    };

    [Theory]
    [MemberData(nameof(Tables))]
    public void Partitions_match_what_sfdisk_reads(string image, string layout)
    {
        string path = TestData.Generated("layouts", image);
        using FileStream file = File.OpenRead(path);

        DiskLayout detected = LayoutDetector.Detect(file, path);

        Assert.Equal(layout, detected.Layout.Name());
        using JsonDocument sfdisk = JsonDocument.Parse(File.ReadAllText(path + ".sfdisk.json"));
        JsonElement table = sfdisk.RootElement.GetProperty("partitiontable");
        var expected = table.GetProperty("partitions").EnumerateArray()
            .Select(p => (Offset: p.GetProperty("start").GetInt64() * 512, Length: p.GetProperty("size").GetInt64() * 512,
                Bootable: p.TryGetProperty("bootable", out JsonElement b) && b.GetBoolean()))
            .ToList();
        Assert.Equal(expected, detected.Partitions.Select(p => (p.Offset, p.Length, p.Bootable)).ToList());
        if (layout == "gpt")
        {
            Assert.Equal("rootfs", detected.Partitions[0].Name);
            Assert.Equal("0FC63DAF-8483-4772-8E79-3D69D8477DE4", detected.Partitions[0].Type);
        }
    }

    [Fact]
    public void Dax_layout_reports_the_data_offset_from_the_nvdimm_info_block()
    {
        string path = TestData.Generated("layouts", "dax-ext4.img");
        using FileStream file = File.OpenRead(path);
        DiskLayout detected = LayoutDetector.Detect(file, path);
        Assert.Equal(2 * 1024 * 1024, detected.DaxDataOffset);
        Assert.Equal(3 * 1024 * 1024, detected.Partitions.Single().Offset);
    }

    [Fact]
    public void Measured_rootfs_picks_the_filesystem_not_the_verity_hash_partition()
    {
        string path = TestData.Generated("layouts", "measured-ext4.img");
        using FileStream file = File.OpenRead(path);
        DiskLayout detected = LayoutDetector.Detect(file, path);
        PartitionInfo hash = detected.Partitions[1];
        Assert.True(VolumeProbe.IsVerity(new StreamSlice(file, hash.Offset, hash.Length)));
        Assert.Null(VolumeProbe.Identify(new StreamSlice(file, hash.Offset, hash.Length)));
        var chosen = VolumeProbe.ChooseRootfs(file, detected);
        Assert.NotNull(chosen);
        Assert.Equal(1, chosen.Value.Partition.Number);
    }

    [Theory]
    [InlineData("bare-ext4.img")]
    [InlineData("bare-xfs.img")]
    [InlineData("bare-erofs.img")]
    [InlineData("bad-unknown.img")]
    public void No_partition_table_is_bare(string image)
    {
        string path = TestData.Generated("layouts", image);
        using FileStream file = File.OpenRead(path);
        DiskLayout detected = LayoutDetector.Detect(file, path);
        Assert.Equal(ImageLayout.Bare, detected.Layout);
        Assert.Equal(file.Length, detected.Partitions.Single().Length);
    }

    [Theory]
    [InlineData("bad-truncated.img", "extends past the end of the file")]
    [InlineData("bad-gpt-crc.img", "GPT header CRC32 mismatch")]
    [InlineData("bad-dax-mismatch.img", "MBR #1 and MBR #2 disagree")]
    public void Damaged_tables_are_named_errors(string image, string problem)
    {
        string path = TestData.Generated("layouts", image);
        using FileStream file = File.OpenRead(path);
        var error = Assert.Throws<ImageFormatException>(() => LayoutDetector.Detect(file, path));
        Assert.Contains(problem, error.Message);
        Assert.Contains(image, error.Message);
    }
}
