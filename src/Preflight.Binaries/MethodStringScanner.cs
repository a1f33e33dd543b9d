using System.Buffers;
using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Recovers RPC methods from method-path strings ("/package.Service/Method"), which gRPC code (both Go and Rust)
/// and ttrpc-rust up to 0.6 keep as literals even when no descriptor survived. Go and Rust pack string literals back
/// to back with no separator, so where a method name ends needs evidence; the bytes after the longest name-like run
/// are only a hint ("/grpc.AgentService/SignalProcess" packed before "Software caused connection abort" reads as
/// "SignalProcessSoftware"; Go's "...SignalProcess" before strconv's "28421709430404007434844970703125" grows digits).
/// A run's end is taken as is only when what follows cannot have been glued on: the '/' opening another method path
/// (the generators emit paths back to back), a NUL or other non-text byte, or the end of the data. Any other end
/// (space, punctuation, a '/' not opening a path) needs length evidence from x86_64 code: a lea pointing at the
/// path's '/' with a length immediate beside it (<see cref="X86CodeIndex"/>), which must cut the run at exactly one
/// place. Without that evidence (other architectures, or no such load) the path is dropped rather than guessed.
/// Convention narrows it further: package parts start lower-case, the service and method names upper-case.
/// Newer ttrpc code (service name and method names as separate strings) is not read here: which method names belong
/// to which service cannot be told from adjacency alone.
/// </summary>
public static class MethodStringScanner
{
    private const int MaxNameLength = 256;
    private const int MaxMethods = 100_000;

    private static readonly SearchValues<byte> MethodNameBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_"u8);

    private static readonly SearchValues<byte> ServiceNameBytes =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_."u8);

    public static IReadOnlyList<(string Service, string Method)> Scan(ReadOnlySpan<byte> data) => Scan(data, null, null);

    internal static IReadOnlyList<(string Service, string Method)> Scan(ReadOnlySpan<byte> data, ElfFile? elf, X86CodeIndex? code) =>
        Scan(data, elf, code, null);

    /// <summary>
    /// As <see cref="Scan(ReadOnlySpan{byte})"/>; when <paramref name="runs"/> is given, also collects every path-shaped
    /// text as it stands, end undecided (see <see cref="MethodPathRun"/>), in the same pass.
    /// </summary>
    internal static IReadOnlyList<(string Service, string Method)> Scan(
        ReadOnlySpan<byte> data, ElfFile? elf, X86CodeIndex? code, List<MethodPathRun>? runs)
    {
        var search = new Search(runs);
        search.ScanWindow(data, 0, data.Length, elf, code);
        return search.Methods;
    }

    /// <summary>The methods and runs found so far, window by window (the state one whole-file pass would keep).</summary>
    internal sealed class Search(List<MethodPathRun>? runs)
    {
        private readonly HashSet<(string, string)> _found = [];
        private readonly HashSet<MethodPathRun> _seenRuns = [];

        public List<(string Service, string Method)> Methods { get; } = [];

        /// <summary>Reads every path whose '/' lies at a file offset in [start, end); <paramref name="data"/> is the whole file.</summary>
        public void ScanWindow(ReadOnlySpan<byte> data, int start, int end, ElfFile? elf, X86CodeIndex? code)
        {
            for (int from = start; from < end && Methods.Count < MaxMethods;)
            {
                int index = data[from..end].IndexOf((byte)'/');
                if (index < 0)
                {
                    break;
                }
                int slash = from + index;
                from = slash + 1;
                // A service's first part starts lower-case: one byte rules out most slashes (file paths, URLs).
                if (slash + 1 >= data.Length || !char.IsAsciiLetterLower((char)data[slash + 1])
                    || !IsPathShape(data, slash, out int serviceEnd, out int methodEnd))
                {
                    continue;
                }
                if (runs is not null && runs.Count < MaxMethods)
                {
                    var run = new MethodPathRun(
                        Encoding.ASCII.GetString(data[(slash + 1)..serviceEnd]),
                        Encoding.ASCII.GetString(data[(serviceEnd + 1)..methodEnd]),
                        data[methodEnd..].StartsWith(" is not supported"u8));
                    if (_seenRuns.Add(run))
                    {
                        runs.Add(run);
                    }
                }
                if (TryReadPath(data, slash, serviceEnd, methodEnd, elf, code, out string service, out string method)
                    && _found.Add((service, method)))
                {
                    Methods.Add((service, method));
                }
            }
        }
    }

    /// <summary>The method of a path-shaped text, its end cut where evidence says; false when no end is proven.</summary>
    private static bool TryReadPath(
        ReadOnlySpan<byte> data, int slash, int serviceEnd, int methodEnd, ElfFile? elf, X86CodeIndex? code,
        out string service, out string method)
    {
        service = method = "";
        if (!EndIsDelimited(data, methodEnd) && !TryCutByLoadedLength(data, slash, serviceEnd + 2, elf, code, ref methodEnd))
        {
            return false;
        }
        service = Encoding.ASCII.GetString(data[(slash + 1)..serviceEnd]);
        method = Encoding.ASCII.GetString(data[(serviceEnd + 1)..methodEnd]);
        return true;
    }

    /// <summary>
    /// "/pkg.Service/Method" by shape: <paramref name="methodEnd"/> is the end of the longest name-like run, which may
    /// include a packed neighbour.
    /// </summary>
    private static bool IsPathShape(ReadOnlySpan<byte> data, int slash, out int serviceEnd, out int methodEnd)
    {
        methodEnd = 0;
        int serviceStart = slash + 1;
        serviceEnd = NameRunEnd(data, serviceStart, ServiceNameBytes);
        if (serviceEnd >= data.Length || data[serviceEnd] != (byte)'/' || serviceEnd == serviceStart)
        {
            return false;
        }
        int methodStart = serviceEnd + 1;
        methodEnd = NameRunEnd(data, methodStart, MethodNameBytes);
        if (methodEnd == methodStart || methodEnd - methodStart > MaxNameLength || !char.IsAsciiLetterUpper((char)data[methodStart]))
        {
            return false;
        }
        // An identifier byte right after means the run was cut by the length bound: no name to read.
        if (methodEnd < data.Length && IsNameByte(data[methodEnd], allowDot: false))
        {
            return false;
        }
        string[] parts = Encoding.ASCII.GetString(data[serviceStart..serviceEnd]).Split('.');
        return parts.Length >= 2 && parts.All(DescriptorNames.IsIdentifier)
            && parts[..^1].All(p => char.IsAsciiLetterLower(p[0])) && char.IsAsciiLetterUpper(parts[^1][0]);
    }

    /// <summary>
    /// Whether nothing can have been glued onto the name: end of data, a byte no string constant's text holds
    /// (NUL, control, non-ASCII), or the '/' of the next method path in a back-to-back run.
    /// </summary>
    private static bool EndIsDelimited(ReadOnlySpan<byte> data, int end)
    {
        if (end >= data.Length || data[end] < 0x20 || data[end] >= 0x7F)
        {
            return true;
        }
        return data[end] == (byte)'/' && IsPathShape(data, end, out _, out _);
    }

    /// <summary>
    /// Cuts the name where code that loads the path says it ends: the path's address in a lea and its length in an
    /// immediate beside it. Accepted only when exactly one such length lands inside the name-like run.
    /// </summary>
    private static bool TryCutByLoadedLength(
        ReadOnlySpan<byte> data, int slash, int minimumEnd, ElfFile? elf, X86CodeIndex? code, ref int methodEnd)
    {
        if (code is null || elf is null || !X86CodeIndex.TryAddressOf(elf, slash, out ulong address))
        {
            return false;
        }
        int cut = -1;
        foreach (int length in code.LengthsLoadedWith(data, address))
        {
            int end = slash + length;
            if (end >= minimumEnd && end <= methodEnd)
            {
                if (cut >= 0 && cut != end)
                {
                    return false; // two lengths disagree: no single answer
                }
                cut = end;
            }
        }
        if (cut < 0)
        {
            return false;
        }
        methodEnd = cut;
        return true;
    }

    /// <summary>Where the run of name bytes from <paramref name="start"/> ends, looking at most one byte past the length bound.</summary>
    private static int NameRunEnd(ReadOnlySpan<byte> data, int start, SearchValues<byte> nameBytes)
    {
        int limit = (int)Math.Min(data.Length, (long)start + MaxNameLength + 1);
        int other = data[start..limit].IndexOfAnyExcept(nameBytes);
        return other < 0 ? limit : start + other;
    }

    private static bool IsNameByte(byte b, bool allowDot) =>
        char.IsAsciiLetterOrDigit((char)b) || b == (byte)'_' || (allowDot && b == (byte)'.');
}
