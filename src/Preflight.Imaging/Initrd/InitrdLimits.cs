namespace Preflight.Imaging.Initrd;

/// <summary>
/// Caps that keep a hostile or broken initrd from exhausting memory or time. The defaults are far above any real
/// Kata initrd (tens of MiB); tests lower them to prove a decompression bomb stops with a clear message.
/// </summary>
/// <param name="MaxDecompressedBytes">Total bytes decompressed while scanning the archive.</param>
/// <param name="MaxEntryBytes">Largest single entry; also the most one OpenFile of a compressed entry allocates.</param>
/// <param name="MaxEntries">Number of cpio entries, all archives together. Real Kata initrds hold a few thousand
/// (a full distro rootfs some tens of thousands); a hostile one with 500,000 entries stops here.</param>
/// <param name="SmallFileBytes">Files up to this size are kept in memory during the scan...</param>
/// <param name="MaxRetainedBytes">...as long as the kept files together stay under this; the rest are re-read on open.</param>
/// <param name="MaxNameBytes">Bytes of entry names and symbolic link targets, all entries together: what the
/// tree keeps of them is bounded by this (names are up to 4 KiB each, so MaxEntries alone would allow GiBs); a
/// real initrd has a few MiB, 200,000 entries of 160-byte names would fit.</param>
/// <param name="MaxNodes">Nodes in the unpacked tree: entries plus the directories their names imply.</param>
public sealed record InitrdLimits(
    long MaxDecompressedBytes = 2L * 1024 * 1024 * 1024,
    long MaxEntryBytes = 1L * 1024 * 1024 * 1024,
    int MaxEntries = 200_000,
    long SmallFileBytes = 1024 * 1024,
    long MaxRetainedBytes = 64L * 1024 * 1024,
    long MaxNameBytes = 32L * 1024 * 1024,
    int MaxNodes = 400_000)
{
    public static InitrdLimits Default { get; } = new();

    /// <summary>
    /// Paths ("/usr/bin/kata-agent") whose content is kept in memory during the scan whatever their size, as long
    /// as all of them together stay within <see cref="MaxKeptBytes"/>: a file the caller will surely open would
    /// otherwise cost a second decompression of the whole archive up to it. A file that does not fit is re-read.
    /// </summary>
    public IReadOnlySet<string> KeepInMemory { get; init; } = new HashSet<string>();

    /// <summary>What the <see cref="KeepInMemory"/> paths may keep in total (a real agent is 40-100 MiB).</summary>
    public long MaxKeptBytes { get; init; } = 256L * 1024 * 1024;
}
