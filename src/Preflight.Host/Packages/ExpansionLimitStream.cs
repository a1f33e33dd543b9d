using Preflight.Formats.Streams;

namespace Preflight.Host.Packages;

/// <summary>
/// Counts what a decompressor produces and stops it past the member's limit
/// (<see cref="PackageLimits.MaxExpandedBytes"/>): the one place a decompression bomb is caught.
/// </summary>
internal sealed class ExpansionLimitStream(Stream decoded, long compressedBytes, string file, string member) : ForwardOnlyStream
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
