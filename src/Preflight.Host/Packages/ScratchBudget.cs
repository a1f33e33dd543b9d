namespace Preflight.Host.Packages;

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
