namespace Preflight.Imaging.Initrd;

/// <summary>
/// Caps that keep a hostile or broken initrd from exhausting memory or time. The defaults are far above any real
/// Kata initrd (tens of MiB); tests lower them to prove a decompression bomb stops with a clear message.
/// </summary>
/// <param name="MaxDecompressedBytes">Total bytes decompressed while scanning the archive.</param>
/// <param name="MaxEntryBytes">Largest single entry; also the most one OpenFile of a compressed entry allocates.</param>
/// <param name="MaxEntries">Number of cpio entries, all archives together.</param>
/// <param name="SmallFileBytes">Files up to this size are kept in memory during the scan...</param>
/// <param name="MaxRetainedBytes">...as long as the kept files together stay under this; the rest are re-read on open.</param>
public sealed record InitrdLimits(
    long MaxDecompressedBytes = 2L * 1024 * 1024 * 1024,
    long MaxEntryBytes = 1L * 1024 * 1024 * 1024,
    int MaxEntries = 1_000_000,
    long SmallFileBytes = 1024 * 1024,
    long MaxRetainedBytes = 64L * 1024 * 1024)
{
    public static InitrdLimits Default { get; } = new();

    /// <summary>
    /// Paths ("/usr/bin/kata-agent") whose content is kept in memory during the scan whatever their size, up to
    /// <see cref="MaxKeptBytes"/> each: a file the caller will surely open would otherwise cost a second
    /// decompression of the whole archive up to it.
    /// </summary>
    public IReadOnlySet<string> KeepInMemory { get; init; } = new HashSet<string>();

    public long MaxKeptBytes { get; init; } = 512L * 1024 * 1024;
}
