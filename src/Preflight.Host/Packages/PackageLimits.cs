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

/// <summary>
/// The scratch space one run may fill with copies taken out of packages, shared by every package of the run.
/// A copy reserves its size before a byte is written; what does not fit is not copied.
/// </summary>
public sealed class ScratchBudget(long maxBytes)
{
    public long MaxBytes { get; } = maxBytes;

    public long ReservedBytes { get; private set; }

    /// <summary>Reserves <paramref name="bytes"/>; false (and nothing reserved) when that would pass the budget.</summary>
    public bool TryReserve(long bytes)
    {
        if (bytes < 0 || bytes > MaxBytes - ReservedBytes)
        {
            return false;
        }
        ReservedBytes += bytes;
        return true;
    }
}

/// <summary>
/// Counts what a decompressor produces and stops it past the member's limit
/// (<see cref="PackageLimits.MaxExpandedBytes"/>): the one place a decompression bomb is caught.
/// </summary>
internal sealed class ExpansionLimitStream(Stream decoded, long compressedBytes, string file, string member) : Preflight.Imaging.ForwardOnlyStream
{
    private readonly long _limit = PackageLimits.MaxExpandedBytes(compressedBytes);
    private long _produced;

    public override int Read(Span<byte> buffer)
    {
        int read = decoded.Read(buffer);
        _produced += read;
        if (_produced > _limit)
        {
            throw TooLarge(file, member, compressedBytes, _produced);
        }
        return read;
    }

    /// <summary>The error for a member that expands, or claims to expand, past its limit.</summary>
    public static PackageFormatException TooLarge(string file, string member, long compressedBytes, long bytes) =>
        new(file, null,
            $"{member} ({compressedBytes} bytes compressed) expands to {bytes} bytes or more, past the limit of " +
            $"{PackageLimits.MaxExpandedBytes(compressedBytes)} ({PackageLimits.MinExpandedBytes} + {PackageLimits.MaxExpansionRatio} x its size): " +
            "a decompression bomb or a corrupt package");

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            decoded.Dispose();
        }
        base.Dispose(disposing);
    }
}
