namespace Preflight.Host.Packages;

/// <summary>
/// How far a package may make us decompress and write. A compressed member can claim any size in its headers
/// and a run of zeros compresses a million-fold (bzip2), so a 200 KB .deb can "hold" hundreds of GiB; these caps
/// stop it before the CPU time or the disk is spent, with a PackageFormatException naming the package.
/// </summary>
public static class PackageLimits
{
    /// <summary>
    /// A member may always expand to this much, whatever its compressed size: small packages of very compressible
    /// content (a mostly empty test image) stay readable.
    /// </summary>
    public const long MinExpandedBytes = 256L << 20;

    /// <summary>
    /// Beyond <see cref="MinExpandedBytes"/>, a member may expand to this many times its compressed size. Real
    /// Kata payloads (binaries, filled guest images) expand 3 to 20 times; bombs expand thousands of times.
    /// </summary>
    public const long MaxExpansionRatio = 1000;

    /// <summary>What scratch files one run (`check --package`, `hook apt`) may write in all, by default.</summary>
    public const long DefaultScratchBytes = 8L << 30;

    /// <summary>a + b for claimed sizes, stopping at long.MaxValue instead of wrapping (headers can claim 2^63 - 1).</summary>
    public static long AddClaim(long total, long size) => size > long.MaxValue - total ? long.MaxValue : total + size;

    /// <summary>The most bytes a member of <paramref name="compressedBytes"/> may decompress to.</summary>
    public static long MaxExpandedBytes(long compressedBytes) =>
        compressedBytes > (long.MaxValue - MinExpandedBytes) / MaxExpansionRatio
            ? long.MaxValue
            : MinExpandedBytes + compressedBytes * MaxExpansionRatio;
}
