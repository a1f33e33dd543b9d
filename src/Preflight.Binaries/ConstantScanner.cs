using System.Numerics;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Decides whether a caller's string (a storage driver name such as "9p") is a constant of its own in the binary,
/// not an accidental substring: Go and Rust pack constants with no separator, so "9p" also matches inside
/// "...k9pool...". Evidence, strongest first:
/// "string-reference": some data section holds the exact (address, length) pair of an occurrence, the way Go and
///   Rust store a string header (pointer-sized words, the binary's endianness; <see cref="StringHeaderIndex"/>);
/// "relocated-string-reference": a RELATIVE relocation fills a pointer slot with an occurrence's address and the word
///   after the slot is the length: the same header in a position-independent binary, whose .data.rel.ro holds zeros
///   until the loader relocates it (Rust's `&[&str]` statics, packed "9pblkephemeral...");
/// "code-reference" (x86_64): a RIP-relative lea in an executable segment targets the occurrence's first byte and a
///   `mov` immediate equal to the length sits beside it, the way rustc and Go load a string into (pointer, length);
/// "nul-terminated": an occurrence with a NUL on both sides (C strings);
/// "substring-only": only occurrences inside other text (Present is false).
/// The lea and relocation evidence both require the exact length, so a short constant such as "9p" at the start of a
/// longer neighbour ("9pblk...") referenced only as that neighbour does not count. Other architectures build
/// addresses in several instructions that are not decoded here: for them the string header and NUL rules apply.
/// </summary>
public static class ConstantScanner
{
    public static IReadOnlyList<ConstantEvidence> Scan(ReadOnlySpan<byte> data, ElfFile? elf, IReadOnlyCollection<string> constants) =>
        Scan(data, elf, elf is null ? null : StringHeaderIndex.Build(data, elf), X86CodeIndex.Build(data, elf), constants);

    internal static IReadOnlyList<ConstantEvidence> Scan(
        ReadOnlySpan<byte> data, ElfFile? elf, StringHeaderIndex? headers, X86CodeIndex? code, IReadOnlyCollection<string> constants)
    {
        var search = new ConstantSearch(constants);
        search.ScanWindow(data, 0, data.Length, elf, headers, code);
        return search.Results();
    }
}

/// <summary>
/// The occurrences of the caller's constants, window by window (see <see cref="ConstantScanner"/> for what counts as
/// evidence). Constants that extend another one ("vfio-pci", "vfio-ap-cold" after "vfio") are found from that one's
/// hits. One vectorized pass per window finds every position where some prefix's first two bytes occur; only those
/// are compared in full. (One IndexOf per constant, as before, read a 48 MB binary nineteen times.)
/// </summary>
internal sealed class ConstantSearch
{
    private const int MaxOccurrencesExamined = 10_000;

    private readonly List<Tally> _tallies = [];
    private readonly List<(byte[] Root, List<Tally> Tallies)> _groups = [];
    private readonly List<(byte[] Root, List<Tally> Tallies)>?[] _groupsByFirstByte = new List<(byte[], List<Tally>)>?[256];
    // Per group root: its first byte, its second byte, and all-ones where the root is one byte long (any second byte).
    private readonly Vector128<byte>[] _firstBytes;
    private readonly Vector128<byte>[] _secondBytes;
    private readonly Vector128<byte>[] _anySecondByte;

    public ConstantSearch(IReadOnlyCollection<string> constants)
    {
        foreach (string value in constants)
        {
            _tallies.Add(new Tally(value, Encoding.UTF8.GetBytes(value)));
        }
        // Shortest first, so a constant joins the group of the shortest constant it starts with.
        foreach (var tally in _tallies.Where(t => t.Needle.Length > 0).OrderBy(t => t.Needle.Length))
        {
            var group = _groups.FirstOrDefault(g => tally.Needle.AsSpan().StartsWith(g.Root));
            if (group.Root is null)
            {
                _groups.Add((tally.Needle, [tally]));
            }
            else
            {
                group.Tallies.Add(tally);
            }
        }
        foreach (var group in _groups)
        {
            (_groupsByFirstByte[group.Root[0]] ??= []).Add(group);
        }
        _firstBytes = _groups.Select(g => Vector128.Create(g.Root[0])).ToArray();
        _secondBytes = _groups.Select(g => Vector128.Create(g.Root.Length > 1 ? g.Root[1] : (byte)0)).ToArray();
        _anySecondByte = _groups.Select(g => g.Root.Length == 1 ? Vector128<byte>.AllBitsSet : Vector128<byte>.Zero).ToArray();
    }

    /// <summary>Examines every occurrence that starts at a file offset in [start, end); <paramref name="data"/> is the whole file.</summary>
    public void ScanWindow(ReadOnlySpan<byte> data, int start, int end, ElfFile? elf, StringHeaderIndex? headers, X86CodeIndex? code)
    {
        if (_groups.Count == 0)
        {
            return;
        }
        // 128-bit vectors: NativeAOT targets x86-64 without AVX2, where wider vectors are emulated. The loop has no
        // branch per root: it runs on every 16 bytes of the data sections.
        int width = Vector128<byte>.Count;
        ReadOnlySpan<Vector128<byte>> firstBytes = _firstBytes, secondBytes = _secondBytes, anySecondByte = _anySecondByte;
        ref byte origin = ref MemoryMarshal.GetReference(data);
        int at = start;
        for (; at < end && at + width + 1 <= data.Length; at += width)
        {
            var first = Vector128.LoadUnsafe(ref origin, (nuint)at); // in bounds: the loop's condition
            var second = Vector128.LoadUnsafe(ref origin, (nuint)at + 1);
            var hits = Vector128<byte>.Zero;
            for (int root = 0; root < firstBytes.Length; root++)
            {
                hits |= Vector128.Equals(first, firstBytes[root]) & (Vector128.Equals(second, secondBytes[root]) | anySecondByte[root]);
            }
            for (uint bits = hits.ExtractMostSignificantBits(); bits != 0; bits &= bits - 1)
            {
                int candidate = at + BitOperations.TrailingZeroCount(bits);
                if (candidate < end)
                {
                    ExamineAt(data, candidate, elf, headers, code);
                }
            }
        }
        for (; at < end; at++)
        {
            ExamineAt(data, at, elf, headers, code);
        }
    }

    /// <summary>Counts and examines every constant that starts at <paramref name="at"/>.</summary>
    private void ExamineAt(ReadOnlySpan<byte> data, int at, ElfFile? elf, StringHeaderIndex? headers, X86CodeIndex? code)
    {
        var rest = data[at..];
        var groups = _groupsByFirstByte[rest[0]];
        if (groups is null)
        {
            return;
        }
        foreach (var (root, tallies) in groups)
        {
            if (!rest.StartsWith(root))
            {
                continue;
            }
            foreach (var tally in tallies)
            {
                if (rest.StartsWith(tally.Needle))
                {
                    Examine(tally, data, at, elf, headers, code);
                }
            }
        }
    }

    /// <summary>One result per constant the caller gave, in the caller's order.</summary>
    public IReadOnlyList<ConstantEvidence> Results() => _tallies.Select(t => t.Evidence()).ToList();

    private static void Examine(Tally tally, ReadOnlySpan<byte> data, int at, ElfFile? elf, StringHeaderIndex? headers, X86CodeIndex? code)
    {
        tally.Occurrences++;
        if (tally.Occurrences > MaxOccurrencesExamined || tally.Referenced)
        {
            return; // keep counting; the verdict is settled or the examination budget is spent
        }
        int length = tally.Needle.Length;
        int end = at + length;
        tally.NulTerminated |= (at == 0 || data[at - 1] == 0) && end < data.Length && data[end] == 0;
        if (elf is not null && X86CodeIndex.TryAddressOf(elf, at, out ulong address))
        {
            tally.Referenced |= headers?.HasHeader(address, length) == true;
            tally.Relocated |= headers?.HasRelocatedHeader(address, length) == true;
            tally.LoadedByCode |= code?.LengthsLoadedWith(data, address).Contains(length) == true;
        }
    }

    private sealed class Tally(string value, byte[] needle)
    {
        public string Value { get; } = value;
        public byte[] Needle { get; } = needle;
        public int Occurrences { get; set; }
        public bool NulTerminated { get; set; }
        public bool Referenced { get; set; }
        public bool Relocated { get; set; }
        public bool LoadedByCode { get; set; }

        public ConstantEvidence Evidence() =>
            Referenced ? new ConstantEvidence(Value, true, Occurrences, "string-reference")
            : Relocated ? new ConstantEvidence(Value, true, Occurrences, "relocated-string-reference")
            : LoadedByCode ? new ConstantEvidence(Value, true, Occurrences, "code-reference")
            : NulTerminated ? new ConstantEvidence(Value, true, Occurrences, "nul-terminated")
            : new ConstantEvidence(Value, false, Occurrences, "substring-only");
    }
}
