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
    private const int MaxOccurrencesExamined = 10_000;

    public static IReadOnlyList<ConstantEvidence> Scan(ReadOnlySpan<byte> data, ElfFile? elf, IReadOnlyCollection<string> constants) =>
        Scan(data, elf, elf is null ? null : StringHeaderIndex.Build(data, elf), X86CodeIndex.Build(data, elf), constants);

    internal static IReadOnlyList<ConstantEvidence> Scan(
        ReadOnlySpan<byte> data, ElfFile? elf, StringHeaderIndex? headers, X86CodeIndex? code, IReadOnlyCollection<string> constants)
    {
        var results = new List<ConstantEvidence>(constants.Count);
        foreach (string value in constants)
        {
            results.Add(Judge(data, elf, headers, code, value));
        }
        return results;
    }

    private static ConstantEvidence Judge(ReadOnlySpan<byte> data, ElfFile? elf, StringHeaderIndex? headers, X86CodeIndex? code, string value)
    {
        // One vectorized IndexOf pass per constant: measured faster than a single multi-string pass (SearchValues over
        // Latin-1-widened chunks), because the driver names are short and their first bytes common.
        byte[] needle = Encoding.UTF8.GetBytes(value);
        if (needle.Length == 0)
        {
            return new ConstantEvidence(value, false, 0, "substring-only");
        }
        int length = needle.Length;
        int occurrences = 0;
        bool nulTerminated = false;
        bool referenced = false;
        bool relocated = false;
        bool loadedByCode = false;
        for (int from = 0; from < data.Length;)
        {
            int index = data[from..].IndexOf(needle);
            if (index < 0)
            {
                break;
            }
            int at = from + index;
            from = at + 1;
            occurrences++;
            if (occurrences > MaxOccurrencesExamined || referenced)
            {
                continue; // keep counting; the verdict is settled or the examination budget is spent
            }
            int end = at + length;
            nulTerminated |= (at == 0 || data[at - 1] == 0) && end < data.Length && data[end] == 0;
            if (elf is not null && X86CodeIndex.TryAddressOf(elf, at, out ulong address))
            {
                referenced |= headers?.HasHeader(address, length) == true;
                relocated |= headers?.HasRelocatedHeader(address, length) == true;
                loadedByCode |= code?.LengthsLoadedWith(data, address).Contains(length) == true;
            }
        }
        if (referenced)
        {
            return new ConstantEvidence(value, true, occurrences, "string-reference");
        }
        if (relocated)
        {
            return new ConstantEvidence(value, true, occurrences, "relocated-string-reference");
        }
        if (loadedByCode)
        {
            return new ConstantEvidence(value, true, occurrences, "code-reference");
        }
        if (nulTerminated)
        {
            return new ConstantEvidence(value, true, occurrences, "nul-terminated");
        }
        return new ConstantEvidence(value, false, occurrences, "substring-only");
    }
}
