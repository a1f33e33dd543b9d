using System.Buffers.Binary;
using System.Text;

namespace Preflight.Imaging.Layouts;

/// <summary>
/// The GUID partition table (UEFI spec, 512-byte logical blocks): header at LBA 1 with its CRC-32, then the
/// partition entry array whose CRC-32 the header also carries. Both checksums are verified, so a damaged table
/// is reported rather than half-read. The backup header at the end of the disk is not consulted.
/// </summary>
public static class GptTable
{
    private const int BlockSize = 512;
    private const int MinHeaderSize = 92;
    private const uint MaxEntries = 1024;
    private const uint MaxEntrySize = 4096;
    private static ReadOnlySpan<byte> Signature => "EFI PART"u8;

    public static IReadOnlyList<PartitionInfo> Read(Stream image, string sourceName)
    {
        Span<byte> header = stackalloc byte[BlockSize];
        if (!SectorReader.TryReadAt(image, BlockSize, header))
        {
            throw new ImageFormatException(sourceName, BlockSize, "GPT header at LBA 1 is past the end of the file");
        }
        if (!header[..8].SequenceEqual(Signature))
        {
            throw new ImageFormatException(sourceName, BlockSize, "protective MBR present but no \"EFI PART\" GPT header at LBA 1");
        }
        uint headerSize = BinaryPrimitives.ReadUInt32LittleEndian(header[12..]);
        if (headerSize < MinHeaderSize || headerSize > BlockSize)
        {
            throw new ImageFormatException(sourceName, BlockSize + 12, $"GPT header size {headerSize} is not between {MinHeaderSize} and {BlockSize}");
        }
        uint storedHeaderCrc = BinaryPrimitives.ReadUInt32LittleEndian(header[16..]);
        Span<byte> forCrc = stackalloc byte[(int)headerSize];
        header[..(int)headerSize].CopyTo(forCrc);
        forCrc.Slice(16, 4).Clear();
        uint actualHeaderCrc = System.IO.Hashing.Crc32.HashToUInt32(forCrc);
        if (actualHeaderCrc != storedHeaderCrc)
        {
            throw new ImageFormatException(sourceName, BlockSize + 16,
                $"GPT header CRC32 mismatch (stored 0x{storedHeaderCrc:x8}, computed 0x{actualHeaderCrc:x8}): the partition table is damaged");
        }

        ulong entriesLba = BinaryPrimitives.ReadUInt64LittleEndian(header[72..]);
        uint entryCount = BinaryPrimitives.ReadUInt32LittleEndian(header[80..]);
        uint entrySize = BinaryPrimitives.ReadUInt32LittleEndian(header[84..]);
        uint storedEntriesCrc = BinaryPrimitives.ReadUInt32LittleEndian(header[88..]);
        if (entryCount > MaxEntries || entrySize < 128 || entrySize > MaxEntrySize || entrySize % 8 != 0)
        {
            throw new ImageFormatException(sourceName, BlockSize + 80,
                $"GPT entry array of {entryCount} entries of {entrySize} bytes is outside what this reader accepts (at most {MaxEntries} entries of 128..{MaxEntrySize} bytes)");
        }
        long arrayOffset = entriesLba > (ulong)(image.Length / BlockSize) ? -1 : (long)entriesLba * BlockSize;
        var array = new byte[entryCount * entrySize];
        if (arrayOffset < 0 || !SectorReader.TryReadAt(image, arrayOffset, array))
        {
            throw new ImageFormatException(sourceName, BlockSize + 72,
                $"GPT partition entries at LBA {entriesLba} run past the end of the file ({image.Length} bytes)");
        }
        uint actualEntriesCrc = System.IO.Hashing.Crc32.HashToUInt32(array);
        if (actualEntriesCrc != storedEntriesCrc)
        {
            throw new ImageFormatException(sourceName, arrayOffset,
                $"GPT partition entries CRC32 mismatch (stored 0x{storedEntriesCrc:x8}, computed 0x{actualEntriesCrc:x8})");
        }

        var partitions = new List<PartitionInfo>();
        for (int i = 0; i < entryCount; i++)
        {
            ReadOnlySpan<byte> entry = array.AsSpan(i * (int)entrySize, (int)entrySize);
            var type = new Guid(entry[..16]);
            if (type == Guid.Empty)
            {
                continue;
            }
            ulong first = BinaryPrimitives.ReadUInt64LittleEndian(entry[32..]);
            ulong last = BinaryPrimitives.ReadUInt64LittleEndian(entry[40..]);
            ulong attributes = BinaryPrimitives.ReadUInt64LittleEndian(entry[48..]);
            if (last < first || last >= long.MaxValue / BlockSize)
            {
                throw new ImageFormatException(sourceName, arrayOffset + i * entrySize,
                    $"GPT partition {i + 1} has an impossible range (LBA {first}..{last})");
            }
            string name = Encoding.Unicode.GetString(entry.Slice(56, 72)).TrimEnd('\0');
            partitions.Add(new PartitionInfo(
                Number: i + 1,
                Offset: (long)first * BlockSize,
                Length: (long)(last - first + 1) * BlockSize,
                Type: type.ToString("D").ToUpperInvariant(),
                // Attribute bit 2: "legacy BIOS bootable", GPT's counterpart of the MBR boot flag.
                Bootable: (attributes & 4) != 0,
                Name: name));
        }
        return partitions;
    }
}
