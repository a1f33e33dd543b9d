using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Preflight.Binaries;

/// <summary>
/// Where x86_64 code and relocated data point at, so a caller can tell a string constant of its own from bytes that
/// merely occur inside packed text. Rust and Go store string constants without terminators, back to back, and load one
/// as (address, length): the address with `lea reg,[rip+disp32]` (REX.W 8D /r, mod=00 rm=101) and the length with a
/// `mov` immediate a few instructions before or after (rustc: `mov qword [rsp+8],0x20` after the lea; Go 1.17+:
/// `mov qword [rax+0x18],0x20` before it, or `mov ebx,0x10` after). (Strings referenced from data, relocated or not,
/// are <see cref="StringHeaderIndex"/>'s.)
/// Only x86_64 is read: other architectures build addresses in several instructions (adrp/add, addis/addi, larl) that
/// this does not decode, so <see cref="Build"/> returns null there and callers keep their architecture-neutral rules.
/// </summary>
internal sealed class X86CodeIndex
{
    private const ushort MachineX86_64 = 62;
    private const uint SegmentExecutable = 1; // PF_X
    private const int MaxIndexed = 8_000_000; // bounds memory on huge binaries; later references are not indexed
    private const int MaxReferencesExamined = 64;
    private const int WindowBefore = 24; // Go stores the length before the lea
    private const int WindowAfter = 32; // rustc stores it after, behind at most a `mov [rsp],rax`
    private const int MaxLength = 1 << 16;

    // Target address -> the first and last lea loading it; the leas of one target are chained in file order through
    // _next (-1 ends a chain). One dictionary entry and two list slots per lea, no list per target: containerd has
    // 145,000 leas to 39,000 targets.
    private readonly Dictionary<ulong, (int First, int Last)> _chains = [];
    private readonly List<int> _leaOffsets = []; // file offset of each lea's opcode
    private readonly List<int> _next = [];
    private int _indexed;
    private readonly (ulong Lowest, ulong End) _targets; // the addresses whose leas are kept

    private X86CodeIndex((ulong Lowest, ulong End) targets)
    {
        _targets = targets;
    }

    public static X86CodeIndex? Build(ReadOnlySpan<byte> data, ElfFile? elf)
    {
        if (elf is null || !Decodes(elf))
        {
            return null;
        }
        var index = new X86CodeIndex((0, ulong.MaxValue)); // every lea: the whole-file callers may ask for any address
        // The data may be shorter than the file the headers came from (callers hand in cut copies).
        ulong length = (ulong)data.Length;
        foreach (var segment in ExecutableSegments(elf).Where(s => s.Offset <= length && s.FileSize <= length - s.Offset))
        {
            index.AddLeas(data, segment, (int)segment.Offset, (int)(segment.Offset + segment.FileSize));
        }
        return index;
    }

    /// <summary>
    /// As <see cref="Build(ReadOnlySpan{byte}, ElfFile?)"/>, reading each executable segment window by window, and
    /// keeping only the leas that load an address in the span of <paramref name="dataRanges"/>: the callers only ever
    /// ask for addresses of bytes there, and most leas load code or variables (in containerd, three in four).
    /// </summary>
    public static X86CodeIndex? Build(BinaryBytes bytes, ElfFile elf, IReadOnlyList<FileRange> dataRanges)
    {
        if (!Decodes(elf))
        {
            return null;
        }
        var index = new X86CodeIndex(AddressSpan(elf, dataRanges));
        foreach (var segment in ExecutableSegments(elf))
        {
            foreach (var window in bytes.Windows([new FileRange((long)segment.Offset, (long)(segment.Offset + segment.FileSize))]))
            {
                index.AddLeas(window.Span, segment, window.Start, window.End);
            }
        }
        return index;
    }

    /// <summary>
    /// The lowest and one past the highest virtual address of the loaded bytes in <paramref name="ranges"/>; every
    /// address when none of them is loaded (nothing there can then be asked for, but nothing is dropped either).
    /// </summary>
    private static (ulong Lowest, ulong End) AddressSpan(ElfFile elf, IReadOnlyList<FileRange> ranges)
    {
        ulong lowest = ulong.MaxValue, end = 0;
        foreach (var segment in elf.Segments.Where(s => s.Type == ElfSegment.TypeLoad && s.FileSize > 0))
        {
            foreach (var range in ranges)
            {
                long from = Math.Max(range.Start, (long)segment.Offset);
                long to = Math.Min(range.End, (long)(segment.Offset + segment.FileSize));
                if (from < to)
                {
                    lowest = Math.Min(lowest, segment.VirtualAddress + (ulong)(from - (long)segment.Offset));
                    end = Math.Max(end, segment.VirtualAddress + (ulong)(to - (long)segment.Offset));
                }
            }
        }
        return lowest < end ? (lowest, end) : (0, ulong.MaxValue);
    }

    private static bool Decodes(ElfFile elf) => elf.MachineCode == MachineX86_64 && elf.Class == 64 && !elf.BigEndian;

    /// <summary>Loaded executable segments that lie in the file (ElfFile checked every segment's extent).</summary>
    private static IEnumerable<ElfSegment> ExecutableSegments(ElfFile elf) =>
        elf.Segments.Where(s => s.Type == ElfSegment.TypeLoad && (s.Flags & SegmentExecutable) != 0
            && s.Offset <= (ulong)elf.FileLength && s.FileSize <= (ulong)elf.FileLength - s.Offset);

    /// <summary>
    /// Lengths that code loading <paramref name="address"/> with a lea also puts in a register or memory word close
    /// by. Several values can come back (the window is not decoded instruction by instruction): callers must accept a
    /// length only when it fits what the bytes at the address allow.
    /// </summary>
    public HashSet<int> LengthsLoadedWith(ReadOnlySpan<byte> data, ulong address)
    {
        var lengths = new HashSet<int>();
        if (!_chains.TryGetValue(address, out var chain))
        {
            return lengths;
        }
        int examined = 0;
        for (int node = chain.First; node >= 0 && examined < MaxReferencesExamined; node = _next[node], examined++)
        {
            int lea = _leaOffsets[node];
            int from = Math.Max(0, lea - 1 - WindowBefore);
            int to = Math.Min(data.Length, lea + 6 + WindowAfter);
            for (int p = from; p < to; p++)
            {
                if (p >= lea - 1 && p < lea + 6)
                {
                    continue; // the lea itself
                }
                if (TryReadLengthImmediate(data, p, to, out int value))
                {
                    lengths.Add(value);
                }
            }
        }
        return lengths;
    }

    /// <summary>The virtual address a loaded segment gives the byte at <paramref name="fileOffset"/>.</summary>
    public static bool TryAddressOf(ElfFile elf, int fileOffset, out ulong address)
    {
        // An indexed loop: this runs for every candidate occurrence, and an interface foreach allocates.
        for (int i = 0; i < elf.Segments.Count; i++)
        {
            var segment = elf.Segments[i];
            if (segment.Type == ElfSegment.TypeLoad && (ulong)fileOffset >= segment.Offset
                && (ulong)fileOffset - segment.Offset < segment.FileSize)
            {
                address = segment.VirtualAddress + ((ulong)fileOffset - segment.Offset);
                return true;
            }
        }
        address = 0;
        return false;
    }

    /// <summary>Indexes the leas of <paramref name="segment"/> whose opcode byte lies at a file offset in [start, end).</summary>
    private void AddLeas(ReadOnlySpan<byte> data, ElfSegment segment, int start, int end)
    {
        var code = data.Slice((int)segment.Offset, (int)segment.FileSize);
        int stop = Math.Min(code.Length, end - (int)segment.Offset);
        int at = Math.Max(1, start - (int)segment.Offset);
        // 16 opcode positions at a time (128-bit vectors: NativeAOT targets x86-64 without AVX2, where wider vectors
        // are emulated): the byte before (REX.W), the opcode and the ModRM byte after, compared at
        // once, so only real `lea r64,[rip+disp32]` candidates reach the scalar check (0x8D alone is common in code).
        var rexMask = Vector128.Create((byte)0xF8);
        var rex = Vector128.Create((byte)0x48);
        var opcode = Vector128.Create((byte)0x8D);
        var modrmMask = Vector128.Create((byte)0xC7);
        var ripRelative = Vector128.Create((byte)0x05);
        for (; at < stop && at + Vector128<byte>.Count + 1 <= code.Length && _indexed < MaxIndexed; at += Vector128<byte>.Count)
        {
            var before = Vector128.Create(code.Slice(at - 1, Vector128<byte>.Count));
            var middle = Vector128.Create(code.Slice(at, Vector128<byte>.Count));
            var after = Vector128.Create(code.Slice(at + 1, Vector128<byte>.Count));
            var hits = Vector128.Equals(middle, opcode) & Vector128.Equals(before & rexMask, rex)
                & Vector128.Equals(after & modrmMask, ripRelative);
            for (uint bits = hits.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
            {
                int lea = at + BitOperations.TrailingZeroCount(bits);
                if (lea < stop)
                {
                    AddLea(code, segment, lea);
                }
            }
        }
        for (; at < stop && _indexed < MaxIndexed; at++)
        {
            if (code[at] == 0x8D && (code[at - 1] & 0xF8) == 0x48 && at + 1 < code.Length && (code[at + 1] & 0xC7) == 0x05)
            {
                AddLea(code, segment, at);
            }
        }
    }

    /// <summary>Records the lea whose opcode is at <paramref name="at"/>; REX.W 8D /r with mod=00 rm=101 is 7 bytes long.</summary>
    private void AddLea(ReadOnlySpan<byte> code, ElfSegment segment, int at)
    {
        if (at + 6 > code.Length || _indexed >= MaxIndexed)
        {
            return;
        }
        long displacement = BinaryPrimitives.ReadInt32LittleEndian(code[(at + 2)..]);
        ulong target = unchecked(segment.VirtualAddress + (ulong)(at + 6) + (ulong)displacement);
        if (target < _targets.Lowest || target >= _targets.End)
        {
            return;
        }
        int node = _leaOffsets.Count;
        _leaOffsets.Add((int)segment.Offset + at);
        _next.Add(-1);
        ref var chain = ref CollectionsMarshal.GetValueRefOrAddDefault(_chains, target, out bool known);
        if (known)
        {
            _next[chain.Last] = node;
            chain.Last = node;
        }
        else
        {
            chain = (node, node);
        }
        _indexed++;
    }

    /// <summary>
    /// Reads a small immediate from the move forms compilers use for a string length: `mov r32,imm32` (B8+r) and
    /// `mov r/m32|r/m64,imm32` (C7 /0). Matching at every byte can misread the middle of another instruction; the
    /// caller's fit test and the lea's exact target keep that from counting alone.
    /// </summary>
    private static bool TryReadLengthImmediate(ReadOnlySpan<byte> data, int p, int end, out int value)
    {
        value = 0;
        int immediate;
        if ((data[p] & 0xF8) == 0xB8)
        {
            bool wide = p > 0 && (data[p - 1] & 0xF8) == 0x48; // REX.W B8+r is movabs with an 8-byte immediate
            if (p + 5 + (wide ? 4 : 0) > end || (wide && BinaryPrimitives.ReadUInt32LittleEndian(data[(p + 5)..]) != 0))
            {
                return false;
            }
            immediate = p + 1;
        }
        else if (data[p] == 0xC7 && p + 1 < end && ((data[p + 1] >> 3) & 7) == 0)
        {
            immediate = p + 2 + OperandBytes(data, p + 1, end);
        }
        else
        {
            return false;
        }
        if (immediate < 0 || immediate + 4 > end)
        {
            return false;
        }
        uint raw = BinaryPrimitives.ReadUInt32LittleEndian(data[immediate..]);
        if (raw == 0 || raw > MaxLength)
        {
            return false;
        }
        value = (int)raw;
        return true;
    }

    /// <summary>Bytes after the ModRM byte taken by SIB and displacement; -1000 when they run past the window.</summary>
    private static int OperandBytes(ReadOnlySpan<byte> data, int modrm, int end)
    {
        int mod = data[modrm] >> 6;
        int rm = data[modrm] & 7;
        if (mod == 3)
        {
            return 0;
        }
        int sib = rm == 4 ? 1 : 0;
        if (sib == 1 && modrm + 1 >= end)
        {
            return -1000;
        }
        return mod switch
        {
            0 when rm == 5 => 4,
            0 when sib == 1 && (data[modrm + 1] & 7) == 5 => 5,
            0 => sib,
            1 => sib + 1,
            _ => sib + 4,
        };
    }
}
