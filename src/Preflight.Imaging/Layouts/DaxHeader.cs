using System.Buffers.Binary;

namespace Preflight.Imaging.Layouts;

/// <summary>
/// The NVDIMM namespace metadata osbuilder's nsdax tool writes at 4 KiB (Linux drivers/nvdimm/pfn.h,
/// struct nd_pfn_sb): a 16-byte signature, two UUIDs, flags, version, then le64 dataoff, the offset at which the
/// namespace's data (osbuilder's MBR #2 and the rootfs) begins.
/// </summary>
public static class DaxHeader
{
    public const long InfoBlockOffset = 4096;

    private const int DataOffsetField = 56;
    private static ReadOnlySpan<byte> PfnSignature => "NVDIMM_PFN_INFO\0"u8;
    private static ReadOnlySpan<byte> DaxSignature => "NVDIMM_DAX_INFO\0"u8;

    /// <summary>The dataoff field when the info block carries either signature, otherwise null.</summary>
    public static long? TryReadDataOffset(Stream image)
    {
        Span<byte> block = stackalloc byte[64];
        if (!SectorReader.TryReadAt(image, InfoBlockOffset, block))
        {
            return null;
        }
        if (!block[..16].SequenceEqual(PfnSignature) && !block[..16].SequenceEqual(DaxSignature))
        {
            return null;
        }
        ulong dataOffset = BinaryPrimitives.ReadUInt64LittleEndian(block[DataOffsetField..]);
        return dataOffset > long.MaxValue ? long.MaxValue : (long)dataOffset;
    }
}
