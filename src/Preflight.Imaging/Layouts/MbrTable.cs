using System.Buffers.Binary;

namespace Preflight.Imaging.Layouts;

/// <summary>
/// The classic DOS partition table: four 16-byte entries at byte 446 of a 512-byte sector ending in 55 AA.
/// Only primary partitions are read; an extended partition (types 05, 0F, 85) is listed but never probed,
/// because osbuilder never makes logical partitions.
/// </summary>
public static class MbrTable
{
    public const int SectorSize = 512;
    public const byte ProtectiveGptType = 0xEE;

    private const int EntriesOffset = 446;
    private const int EntrySize = 16;

    /// <summary>
    /// Parses the sector as an MBR. Returns null when it is not one (no 55 AA signature, an entry with a status
    /// byte other than 00/80, or no partition at all). Offsets are made absolute by adding baseOffset.
    /// </summary>
    public static IReadOnlyList<PartitionInfo>? TryParse(ReadOnlySpan<byte> sector, long baseOffset = 0)
    {
        if (sector.Length < SectorSize || sector[510] != 0x55 || sector[511] != 0xAA)
        {
            return null;
        }
        var partitions = new List<PartitionInfo>();
        for (int i = 0; i < 4; i++)
        {
            ReadOnlySpan<byte> entry = sector.Slice(EntriesOffset + i * EntrySize, EntrySize);
            byte status = entry[0];
            byte type = entry[4];
            if (status != 0x00 && status != 0x80)
            {
                // A filesystem boot sector (FAT, NTFS) also ends in 55 AA; its "entries" are code.
                return null;
            }
            uint startLba = BinaryPrimitives.ReadUInt32LittleEndian(entry[8..]);
            uint sectors = BinaryPrimitives.ReadUInt32LittleEndian(entry[12..]);
            if (type == 0 || sectors == 0)
            {
                continue;
            }
            partitions.Add(new PartitionInfo(
                Number: i + 1,
                Offset: baseOffset + (long)startLba * SectorSize,
                Length: (long)sectors * SectorSize,
                Type: type.ToString("x2"),
                Bootable: status == 0x80));
        }
        return partitions.Count == 0 ? null : partitions;
    }

    public static bool IsExtended(PartitionInfo partition) => partition.Type is "05" or "0f" or "85";
}
