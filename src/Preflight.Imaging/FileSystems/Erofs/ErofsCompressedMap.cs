using System.Buffers.Binary;

namespace Preflight.Imaging.FileSystems.Erofs;

/// <summary>
/// COMPRESSED_FULL and COMPRESSED_COMPACT. The file is cut into logical clusters (lclusters, one block each);
/// an index entry per lcluster says whether an extent starts in it (HEAD1/HEAD2/PLAIN, with the offset where it
/// starts and the physical block of its pcluster) or not (NONHEAD, with the distance back to the head). An
/// extent runs from its head to the next head and decompresses from one pcluster (one block, or several with
/// big pclusters, the count kept in the first NONHEAD entry as CBLKCNT). With ztailpacking the last extent's
/// pcluster is stored inline after the index. The full index is 8 bytes per lcluster; the compact index packs
/// lclusters into 4-byte and 2-byte slots sharing one block address per pack.
/// </summary>
internal sealed class ErofsCompressedMap : IErofsBlockMap
{
    private const int MapHeaderSize = 8;
    private const int FullIndexEntrySize = 8;

    /// <summary>In a NONHEAD delta[0], this bit says the low bits are the pcluster's compressed block count.</summary>
    private const int CompressedBlockCountFlag = 1 << 11;

    /// <summary>Linux caps a pcluster at 1 MiB of compressed data.</summary>
    private const long MaxPclusterBytes = 1 << 20;

    /// <summary>Cap on one extent's decompressed size: mkfs.erofs feeds the compressor well under this.</summary>
    public const long MaxExtentBytes = 16L << 20;

    private readonly ErofsVolume _volume;
    private readonly ErofsNode _node;
    private readonly bool _compact;
    private readonly CompressionAdvise _advise;
    private readonly int _algorithmHead1;
    private readonly int _algorithmHead2;
    private readonly int _lclusterBits;
    private readonly long _lclusterCount;
    private readonly long _indexBase;

    // ztailpacking: the extent whose head is at _tailHeadLcn lives inline at _inlineStart.
    private readonly long _tailHeadLcn = -1;
    private readonly long _inlineStart;
    private readonly int _inlineLength;

    public ErofsCompressedMap(ErofsVolume volume, ErofsSuperblock superblock, ErofsNode node)
    {
        _volume = volume;
        _node = node;
        _compact = node.Layout == ErofsDataLayout.CompressedCompact;
        long headerAt = Align(node.PayloadPosition, 8);
        _lclusterBits = volume.BlockSizeBits;
        _lclusterCount = (node.Length + volume.BlockSize - 1) >> volume.BlockSizeBits;

        bool headerMeaningful = _compact || superblock.Has(ErofsFormat.FeatureBigPcluster)
            || superblock.Has(ErofsFormat.FeatureZTailPacking) || superblock.Has(ErofsFormat.FeatureFragments);
        int idataSize = 0;
        if (headerMeaningful)
        {
            // Images from before big pclusters may leave the full-index map header unset; Linux then assumes lz4,
            // one-block lclusters and no advice, and so do we.
            ReadOnlySpan<byte> header = volume.ReadMeta(headerAt, MapHeaderSize, $"map header of inode {node.Inode}");
            idataSize = BinaryPrimitives.ReadUInt16LittleEndian(header[2..]);
            _advise = (CompressionAdvise)BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
            _algorithmHead1 = header[6] & 0xF;
            _algorithmHead2 = header[6] >> 4;
            int clusterBits = header[7];
            if ((clusterBits & 0x80) != 0 || (_advise & CompressionAdvise.FragmentPcluster) != 0)
            {
                throw Unsupported("keeps its data in a shared fragment (packed inode)");
            }
            if ((clusterBits & 7) != 0)
            {
                throw Unsupported($"uses logical clusters of 2^{_lclusterBits + (clusterBits & 7)} bytes");
            }
            if ((_advise & CompressionAdvise.InterlacedPcluster) != 0)
            {
                throw Unsupported("uses interlaced uncompressed pclusters");
            }
            if ((_advise & (CompressionAdvise.BigPcluster1 | CompressionAdvise.BigPcluster2)) != 0
                && !superblock.Has(ErofsFormat.FeatureBigPcluster))
            {
                throw volume.Corrupt(headerAt, $"inode {node.Inode} uses big pclusters but the superblock does not enable them");
            }
        }
        _indexBase = _compact
            ? headerAt + MapHeaderSize
            : headerAt + MapHeaderSize + 8; // the full index keeps 8 more bytes of legacy padding

        if ((_advise & CompressionAdvise.InlinePcluster) != 0 && _lclusterCount > 0)
        {
            // The inline tail pcluster sits right after the index pack that holds the last lcluster.
            _inlineLength = idataSize;
            long lastLcn = _lclusterCount - 1;
            _inlineStart = LoadLcluster(lastLcn).NextPackOffset;
            _tailHeadLcn = FindHead(lastLcn, (node.Length - 1) & LclusterMask).Lcn;
            long within = _inlineStart & (volume.BlockSize - 1);
            if (_inlineLength == 0 || within + _inlineLength > volume.BlockSize)
            {
                throw volume.Corrupt(_inlineStart,
                    $"inline tail pcluster of inode {node.Inode} ({_inlineLength} bytes) is empty or crosses a block");
            }
        }
    }

    private long LclusterMask => (1L << _lclusterBits) - 1;

    public ErofsExtent Map(long offset)
    {
        long lcn = offset >> _lclusterBits;
        Lcluster head = FindHead(lcn, offset & LclusterMask);
        long logicalStart = (head.Lcn << _lclusterBits) + head.ClusterOffset;
        long logicalEnd = FindExtentEnd(head.Lcn);
        if (logicalEnd <= offset || logicalEnd - logicalStart > MaxExtentBytes)
        {
            throw _volume.Corrupt(null,
                $"compressed extent [{logicalStart}, {logicalEnd}) of inode {_node.Inode} is malformed");
        }
        long length = logicalEnd - logicalStart;

        long physicalStart;
        long physicalLength;
        if (head.Lcn == _tailHeadLcn)
        {
            physicalStart = _inlineStart;
            physicalLength = _inlineLength;
        }
        else
        {
            physicalStart = head.BlockAddress << _volume.BlockSizeBits;
            physicalLength = CompressedBlocks(head) << _volume.BlockSizeBits;
        }
        _volume.CheckRange(physicalStart, physicalLength, $"pcluster of inode {_node.Inode}");

        if (head.Type == LclusterType.Plain)
        {
            // Stored uncompressed, shifted so the extent's first byte is the pcluster's first byte.
            if (length > physicalLength)
            {
                throw _volume.Corrupt(physicalStart,
                    $"uncompressed extent of inode {_node.Inode} ({length} bytes) is larger than its pcluster");
            }
            return new ErofsExtent(logicalStart, length, physicalStart, length, ErofsExtentKind.Raw);
        }
        int algorithm = head.Type == LclusterType.Head1 ? _algorithmHead1 : _algorithmHead2;
        if (algorithm != 0)
        {
            throw Unsupported($"is compressed with algorithm {algorithm} (only lz4, algorithm 0, is supported)");
        }
        return new ErofsExtent(logicalStart, length, physicalStart, physicalLength, ErofsExtentKind.Lz4);
    }

    /// <summary>
    /// The head lcluster of the extent holding byte offsetInLcluster of lcluster lcn: the lcluster itself when
    /// an extent starts in it at or before that byte, else found by walking back the NONHEAD distances.
    /// </summary>
    private Lcluster FindHead(long lcn, long offsetInLcluster)
    {
        Lcluster current = LoadLcluster(lcn);
        long distance;
        if (current.Type != LclusterType.NonHead)
        {
            if (offsetInLcluster >= current.ClusterOffset)
            {
                return current;
            }
            // The byte belongs to the extent that started before this head.
            distance = 1;
        }
        else
        {
            distance = current.Delta0;
        }

        for (long steps = 0; steps <= _lclusterCount; steps++)
        {
            if (distance <= 0 || distance > current.Lcn)
            {
                throw _volume.Corrupt(null,
                    $"inode {_node.Inode}: bogus lookback distance {distance} at logical cluster {current.Lcn}");
            }
            current = LoadLcluster(current.Lcn - distance);
            if (current.Type != LclusterType.NonHead)
            {
                return current;
            }
            distance = current.Delta0;
        }
        throw _volume.Corrupt(null, $"inode {_node.Inode}: lcluster index loops while looking for an extent head");
    }

    /// <summary>Where the extent headed at headLcn ends: at the next head, or at the end of the file.</summary>
    private long FindExtentEnd(long headLcn)
    {
        for (long lcn = headLcn + 1; lcn < _lclusterCount; lcn++)
        {
            Lcluster next = LoadLcluster(lcn);
            if (next.Type != LclusterType.NonHead)
            {
                return Math.Min((lcn << _lclusterBits) + next.ClusterOffset, _node.Length);
            }
            if ((lcn - headLcn) << _lclusterBits > MaxExtentBytes)
            {
                break; // Map reports the oversized extent.
            }
        }
        return _node.Length;
    }

    /// <summary>How many blocks the head's pcluster takes: one, unless big pclusters record a count.</summary>
    private long CompressedBlocks(Lcluster head)
    {
        bool big = head.Type == LclusterType.Head1
            ? (_advise & CompressionAdvise.BigPcluster1) != 0
            : (_advise & CompressionAdvise.BigPcluster2) != 0;
        if (!big || head.Lcn + 1 >= _lclusterCount)
        {
            return 1;
        }
        Lcluster next = LoadLcluster(head.Lcn + 1);
        if (next.Type != LclusterType.NonHead)
        {
            return 1; // the next extent starts right away: a one-block pcluster
        }
        if (next.CompressedBlocks <= 0 || next.CompressedBlocks << _volume.BlockSizeBits > MaxPclusterBytes)
        {
            throw _volume.Corrupt(null,
                $"inode {_node.Inode}: missing or bogus compressed block count after logical cluster {head.Lcn}");
        }
        return next.CompressedBlocks;
    }

    /// <summary>One decoded index entry. NextPackOffset is where the index pack holding it ends.</summary>
    private readonly record struct Lcluster(
        long Lcn, LclusterType Type, int ClusterOffset, long BlockAddress, int Delta0, int CompressedBlocks,
        long NextPackOffset);

    private Lcluster LoadLcluster(long lcn)
    {
        if (lcn < 0 || lcn >= _lclusterCount)
        {
            throw _volume.Corrupt(null, $"inode {_node.Inode}: logical cluster {lcn} is outside the file");
        }
        Lcluster loaded = _compact ? LoadCompact(lcn) : LoadFull(lcn);
        if (loaded.Type != LclusterType.NonHead && loaded.ClusterOffset >= 1 << _lclusterBits)
        {
            throw _volume.Corrupt(null, $"inode {_node.Inode}: cluster offset {loaded.ClusterOffset} at lcn {lcn} is too big");
        }
        return loaded;
    }

    private Lcluster LoadFull(long lcn)
    {
        long at = _indexBase + lcn * FullIndexEntrySize;
        ReadOnlySpan<byte> entry = _volume.ReadMeta(at, FullIndexEntrySize, $"lcluster index of inode {_node.Inode}");
        var type = (LclusterType)(BinaryPrimitives.ReadUInt16LittleEndian(entry) & 3);
        long next = at + FullIndexEntrySize;
        if (type == LclusterType.NonHead)
        {
            int delta0 = BinaryPrimitives.ReadUInt16LittleEndian(entry[4..]);
            return DecodeNonHead(lcn, delta0, next);
        }
        int clusterOffset = BinaryPrimitives.ReadUInt16LittleEndian(entry[2..]);
        long blockAddress = BinaryPrimitives.ReadUInt32LittleEndian(entry[4..]);
        return new Lcluster(lcn, type, clusterOffset, blockAddress, 0, 0, next);
    }

    private Lcluster DecodeNonHead(long lcn, int delta0, long nextPackOffset)
    {
        if ((delta0 & CompressedBlockCountFlag) != 0)
        {
            if ((_advise & (CompressionAdvise.BigPcluster1 | CompressionAdvise.BigPcluster2)) == 0)
            {
                throw _volume.Corrupt(null, $"inode {_node.Inode}: compressed block count without big pclusters");
            }
            // The first NONHEAD of a big pcluster stores its block count; its head is the previous lcluster.
            return new Lcluster(lcn, LclusterType.NonHead, 0, 0, 1, delta0 & ~CompressedBlockCountFlag, nextPackOffset);
        }
        return new Lcluster(lcn, LclusterType.NonHead, 0, 0, delta0, 0, nextPackOffset);
    }

    /// <summary>
    /// Compact indexes: first 4-byte slots up to a 32-byte boundary, then (with COMPACTED_2B) packs of sixteen
    /// 2-byte slots, then 4-byte slots again. A pack of vcnt slots is a bit stream of (lo, type) pairs followed by
    /// one 32-bit block address; a HEAD's block is that address plus the blocks of the heads before it in the pack.
    /// </summary>
    private Lcluster LoadCompact(long lcn)
    {
        long initial4B = (32 - _indexBase % 32) / 4;
        if (initial4B == 8)
        {
            initial4B = 0;
        }
        long compacted2B = (_advise & CompressionAdvise.Compacted2B) != 0 && initial4B < _lclusterCount
            ? (_lclusterCount - initial4B) / 16 * 16
            : 0;

        long position = _indexBase;
        int slotShift; // log2 of the slot size
        long rest = lcn;
        if (rest < initial4B)
        {
            slotShift = 2;
        }
        else
        {
            position += initial4B * 4;
            rest -= initial4B;
            if (rest < compacted2B)
            {
                slotShift = 1;
            }
            else
            {
                position += compacted2B * 2;
                rest -= compacted2B;
                slotShift = 2;
            }
        }
        position += rest << slotShift;

        int slotsPerPack = slotShift == 2 ? 2 : 16;
        int packSize = slotsPerPack << slotShift;
        long packStart = position / packSize * packSize;
        ReadOnlySpan<byte> pack = _volume.ReadMeta(packStart, packSize, $"compact lcluster index of inode {_node.Inode}");
        int encodeBits = (packSize - 4) * 8 / slotsPerPack;
        int loBits = Math.Max(_lclusterBits, 12);
        int index = (int)((position - packStart) >> slotShift);
        long nextPack = packStart + packSize;

        (int lo, LclusterType type) = DecodeSlot(pack, index, encodeBits, loBits);
        if (type == LclusterType.NonHead)
        {
            if ((lo & CompressedBlockCountFlag) != 0 || index + 1 != slotsPerPack)
            {
                return DecodeNonHead(lcn, lo, nextPack);
            }
            // The last slot of a pack stores delta[1] instead; delta[0] follows from the slot before it.
            (int previousLo, LclusterType previousType) = DecodeSlot(pack, index - 1, encodeBits, loBits);
            int delta0 = previousType != LclusterType.NonHead ? 1
                : (previousLo & CompressedBlockCountFlag) != 0 ? 2
                : previousLo + 1;
            return new Lcluster(lcn, LclusterType.NonHead, 0, 0, delta0, 0, nextPack);
        }

        long blocksBefore = BlocksBeforeInPack(pack, index, encodeBits, loBits);
        long blockAddress = BinaryPrimitives.ReadUInt32LittleEndian(pack[(packSize - 4)..]) + blocksBefore;
        return new Lcluster(lcn, type, lo, blockAddress, 0, 0, nextPack);
    }

    /// <summary>
    /// How far the HEAD in slot index is past the pack's block address: walking back over the pack, each earlier
    /// head adds its pcluster's blocks (one, or the CBLKCNT count with big pclusters). Without big pclusters the
    /// stored address is one less than the first head's block, hence the count starting at one.
    /// </summary>
    private long BlocksBeforeInPack(ReadOnlySpan<byte> pack, int index, int encodeBits, int loBits)
    {
        bool big = (_advise & CompressionAdvise.BigPcluster1) != 0;
        long blocks = big ? 0 : 1;
        int i = index;
        while (i > 0)
        {
            i--;
            (int lo, LclusterType type) = DecodeSlot(pack, i, encodeBits, loBits);
            if (!big)
            {
                if (type == LclusterType.NonHead)
                {
                    i -= lo; // jump to this extent's head
                }
                if (i >= 0)
                {
                    blocks++;
                }
                continue;
            }
            if (type == LclusterType.NonHead)
            {
                if ((lo & CompressedBlockCountFlag) != 0)
                {
                    i--; // the head right before it is covered by this count
                    blocks += lo & ~CompressedBlockCountFlag;
                    continue;
                }
                if (lo <= 1)
                {
                    throw _volume.Corrupt(null, $"inode {_node.Inode}: big pcluster with a NONHEAD distance of {lo}");
                }
                i -= lo - 2; // land just after the CBLKCNT entry of this extent
                continue;
            }
            blocks++;
        }
        return blocks;
    }

    private static (int Lo, LclusterType Type) DecodeSlot(ReadOnlySpan<byte> pack, int slot, int encodeBits, int loBits)
    {
        int bit = encodeBits * slot;
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(pack[(bit / 8)..]) >> (bit & 7);
        return ((int)(value & ((1u << loBits) - 1)), (LclusterType)((value >> loBits) & 3));
    }

    private ImageFormatException Unsupported(string what) =>
        _volume.Corrupt(_node.Position, $"inode {_node.Inode} {what}, which this reader does not support");

    private static long Align(long value, int alignment) => (value + alignment - 1) / alignment * alignment;
}
