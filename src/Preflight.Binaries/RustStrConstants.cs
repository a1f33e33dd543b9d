using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Reads a Rust program's version constants (`AGENT_VERSION`, `VERSION_COMMIT`, ... filled in from version.rs.in)
/// through the string headers that refer to them, never by searching text. Rust keeps `&amp;'static str` bytes in
/// .rodata with no terminator, packed against neighbours ("kata-agent3.2.00.0.13.2.0-cc4c..."), so where a value
/// ends is known only from its length. A `&amp;str` handed to `format_args!` (`println!("{}", AGENT_VERSION)`) is a
/// reference to a constant, which rustc promotes to a static (pointer, length) header: two pointer-sized words in the
/// binary's byte order, in .data.rel.ro of a position-independent binary (.rodata otherwise). The pointer word is
/// the address itself (non-PIE, REL, RELR, and GNU ld's RELA output on aarch64 and s390x, which also writes the
/// addend in place) or zero with a RELATIVE relocation whose addend is the address (RELA on x86_64).
///
/// What counts as evidence ("rust-str-pair"): a header whose bytes are exactly a version "X.Y.Z[-pre]" and another
/// header whose bytes are exactly that version, '-', and a git commit (hex, optionally "-dirty"): the way Kata's
/// Makefile builds VERSION_COMMIT from VERSION and COMMIT. Exactly one such (version, commit) pair must exist;
/// none or several give null. A build without a commit (VERSION_COMMIT equal to VERSION) has no pair and gives null
/// too: a lone version-shaped string could be any crate's. The API version and program name are added only from
/// the `--version` arguments' order (name, version, api version, commit version), which rustc lays out as
/// consecutive headers; when the layout differs they stay null. The headers themselves come from
/// <see cref="StringHeaderIndex"/>.
/// </summary>
internal static class RustStrConstants
{
    public const string Evidence = "rust-str-pair";

    private const int MinVersionLength = 5; // "0.0.1"
    private const int MaxValueLength = 128;
    private const int MaxNameLength = 64;

    /// <summary>The version facts the headers support, or null when the evidence is missing or ambiguous.</summary>
    public static VersionFacts? ReadVersion(StringHeaderIndex index, ReadOnlySpan<byte> data)
    {
        var headers = VersionLikeHeaders(index, data);
        var versions = new HashSet<string>(headers.Where(h => IsVersion(h.Value)).Select(h => h.Value), StringComparer.Ordinal);

        // Every (version, commit) split of every header: "3.2.0-<sha>" splits at the '-' after a referenced version.
        var pairs = new HashSet<(string Version, string Commit)>();
        foreach (string value in headers.Select(h => h.Value).Distinct(StringComparer.Ordinal))
        {
            for (int dash = value.IndexOf('-'); dash > 0; dash = value.IndexOf('-', dash + 1))
            {
                string version = value[..dash];
                string commit = value[(dash + 1)..];
                if (versions.Contains(version) && IsCommit(commit))
                {
                    pairs.Add((version, commit));
                }
            }
        }
        if (pairs.Count != 1)
        {
            return null;
        }
        var (agentVersion, gitCommit) = pairs.First();
        string versionCommit = agentVersion + "-" + gitCommit;

        // `--version` passes (name, version, api version, commit version): when the version's header and the commit
        // version's header sit two headers apart, the one between is the API version and the one before is the name.
        int word = index.Elf.Class / 8;
        string? apiVersion = null, program = null;
        var bySlot = new Dictionary<ulong, string>();
        foreach (var (slot, value) in headers)
        {
            bySlot.TryAdd(slot, value); // sections of a damaged file may overlap and list a slot twice
        }
        foreach (var (slot, value) in headers)
        {
            if (value != agentVersion || !bySlot.TryGetValue(slot + (ulong)(4 * word), out string? next) || next != versionCommit)
            {
                continue;
            }
            if (bySlot.TryGetValue(slot + (ulong)(2 * word), out string? between) && IsVersion(between) && !between.Contains('-'))
            {
                apiVersion = between;
            }
            if (slot >= (ulong)(2 * word) && TryReadHeaderAt(index, data, slot - (ulong)(2 * word), out string? name) && IsProgramName(name))
            {
                program = name;
            }
            break;
        }
        return new VersionFacts(program, agentVersion, apiVersion, gitCommit, Evidence);
    }

    /// <summary>
    /// Every string header whose target bytes look like a version or a version with a suffix (a digit first, then
    /// only [0-9A-Za-z.+-]), with the address of the header's first word.
    /// </summary>
    internal static List<(ulong Slot, string Value)> VersionLikeHeaders(StringHeaderIndex index, ReadOnlySpan<byte> data)
    {
        var found = new List<(ulong, string)>();
        foreach (StringHeader header in index.Headers)
        {
            if (header.Length < MinVersionLength || header.Length > MaxValueLength)
            {
                continue;
            }
            ReadOnlySpan<byte> bytes = index.Target(data, header);
            if (IsVersionLike(bytes))
            {
                found.Add((header.Slot, Encoding.ASCII.GetString(bytes)));
            }
        }
        return found;
    }

    /// <summary>The header at <paramref name="slot"/>, when its value is printable ASCII.</summary>
    private static bool TryReadHeaderAt(StringHeaderIndex index, ReadOnlySpan<byte> data, ulong slot, out string value)
    {
        value = "";
        if (index.HeaderAt(slot) is not StringHeader header || header.Length > MaxValueLength)
        {
            return false;
        }
        ReadOnlySpan<byte> bytes = index.Target(data, header);
        if (bytes.IsEmpty)
        {
            return false;
        }
        foreach (byte b in bytes)
        {
            if (b < 0x20 || b > 0x7E)
            {
                return false;
            }
        }
        value = Encoding.ASCII.GetString(bytes);
        return true;
    }

    private static bool IsVersionLike(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0 || !char.IsAsciiDigit((char)bytes[0]))
        {
            return false;
        }
        foreach (byte b in bytes)
        {
            if (!char.IsAsciiLetterOrDigit((char)b) && b is not ((byte)'.' or (byte)'-' or (byte)'+'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>"X.Y.Z" with 1-5 digits each, optionally followed by a "-pre" or "+build" part.</summary>
    internal static bool IsVersion(string text)
    {
        int at = 0;
        for (int part = 0; part < 3; part++)
        {
            if (part > 0)
            {
                if (at >= text.Length || text[at] != '.')
                {
                    return false;
                }
                at++;
            }
            int start = at;
            while (at < text.Length && char.IsAsciiDigit(text[at]))
            {
                at++;
            }
            if (at == start || at - start > 5)
            {
                return false;
            }
        }
        if (at == text.Length)
        {
            return true;
        }
        if (text[at] is not ('-' or '+') || at + 1 == text.Length)
        {
            return false;
        }
        for (at++; at < text.Length; at++)
        {
            if (!char.IsAsciiLetterOrDigit(text[at]) && text[at] is not ('.' or '-' or '+'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>A git commit as Kata's Makefile records it: 7-64 lower-case hex digits, "-dirty" after a dirty tree.</summary>
    internal static bool IsCommit(string text)
    {
        string hex = text.EndsWith("-dirty", StringComparison.Ordinal) ? text[..^"-dirty".Length] : text;
        if (hex.Length < 7 || hex.Length > 64)
        {
            return false;
        }
        foreach (char c in hex)
        {
            if (!char.IsAsciiDigit(c) && c is not (>= 'a' and <= 'f'))
            {
                return false;
            }
        }
        return true;
    }

    private static bool IsProgramName(string text)
    {
        if (text.Length == 0 || text.Length > MaxNameLength || !char.IsAsciiLetterLower(text[0]))
        {
            return false;
        }
        foreach (char c in text)
        {
            if (!char.IsAsciiLetterLower(c) && !char.IsAsciiDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }
        return true;
    }
}
