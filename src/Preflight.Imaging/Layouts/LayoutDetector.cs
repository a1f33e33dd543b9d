namespace Preflight.Imaging.Layouts;

/// <summary>
/// Reads the partition tables at the front of a disk image and says which layout it is, without looking at any
/// filesystem: a GPT (protective MBR), Kata's DAX layout (MBR #1, nd_pfn_sb at 4 KiB, MBR #2 at the data offset),
/// a plain MBR, or bare when there is no table at all. Every partition is checked against the file size.
/// </summary>
public static class LayoutDetector
{
    /// <summary>Where osbuilder puts MBR #2 (image_builder.sh: dax_header_sz = 2 MiB).</summary>
    public const long DaxSecondMbrOffset = 2 * 1024 * 1024;

    public static DiskLayout Detect(Stream image, string sourceName)
    {
        Span<byte> sector = stackalloc byte[MbrTable.SectorSize];
        IReadOnlyList<PartitionInfo>? mbr = SectorReader.TryReadAt(image, 0, sector) ? MbrTable.TryParse(sector) : null;
        if (mbr is null)
        {
            return new DiskLayout(ImageLayout.Bare, [new PartitionInfo(0, 0, image.Length, "", false)]);
        }

        if (mbr.Any(p => p.Type == MbrTable.ProtectiveGptType.ToString("x2")))
        {
            IReadOnlyList<PartitionInfo> gpt = GptTable.Read(image, sourceName);
            CheckWithinFile(gpt, image.Length, sourceName, "GPT");
            return new DiskLayout(ImageLayout.Gpt, gpt);
        }

        CheckWithinFile(mbr, image.Length, sourceName, "MBR");
        long? dataOffset = DaxHeader.TryReadDataOffset(image);
        if (dataOffset is null)
        {
            return new DiskLayout(ImageLayout.Mbr, mbr);
        }
        CheckDaxMbrsAgree(image, sourceName, mbr, dataOffset.Value);
        return new DiskLayout(ImageLayout.KataDax, mbr, dataOffset);
    }

    private static void CheckWithinFile(IReadOnlyList<PartitionInfo> partitions, long fileLength, string sourceName, string table)
    {
        foreach (PartitionInfo p in partitions)
        {
            if (p.Offset > fileLength || p.Length > fileLength - p.Offset)
            {
                throw new ImageFormatException(sourceName, null,
                    $"{table} partition {p.Number} (bytes {p.Offset}..{p.Offset + p.Length}) extends past the end of the file ({fileLength} bytes): the image is truncated or its partition table is corrupt");
            }
        }
    }

    /// <summary>
    /// Kernels with NVDIMM/DAX read MBR #2, others MBR #1: if the two disagree the guest sees a different root
    /// depending on the hypervisor configuration, so that is reported instead of picking one.
    /// </summary>
    private static void CheckDaxMbrsAgree(Stream image, string sourceName, IReadOnlyList<PartitionInfo> first, long dataOffset)
    {
        // Trust the metadata's dataoff when an MBR sits there; otherwise fall back to osbuilder's fixed 2 MiB.
        IReadOnlyList<PartitionInfo>? second = TryReadMbrAt(image, dataOffset);
        long secondOffset = dataOffset;
        if (second is null && dataOffset != DaxSecondMbrOffset)
        {
            second = TryReadMbrAt(image, DaxSecondMbrOffset);
            secondOffset = DaxSecondMbrOffset;
        }
        if (second is null)
        {
            throw new ImageFormatException(sourceName, DaxSecondMbrOffset,
                "kata-dax image: NVDIMM info block at 4 KiB but no MBR #2 at the data offset");
        }
        foreach (PartitionInfo p in first)
        {
            PartitionInfo? twin = second.FirstOrDefault(q => q.Number == p.Number);
            if (twin is null || twin.Offset != p.Offset || twin.Length != p.Length)
            {
                string seen = twin is null ? "no such partition" : $"bytes {twin.Offset}..{twin.Offset + twin.Length}";
                throw new ImageFormatException(sourceName, secondOffset,
                    $"kata-dax image: MBR #1 and MBR #2 disagree about partition {p.Number} (MBR #1: bytes {p.Offset}..{p.Offset + p.Length}, MBR #2: {seen})");
            }
        }
    }

    private static IReadOnlyList<PartitionInfo>? TryReadMbrAt(Stream image, long offset)
    {
        if (offset <= 0 || offset % MbrTable.SectorSize != 0)
        {
            return null;
        }
        Span<byte> sector = stackalloc byte[MbrTable.SectorSize];
        return SectorReader.TryReadAt(image, offset, sector) ? MbrTable.TryParse(sector, offset) : null;
    }
}
