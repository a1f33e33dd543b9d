namespace Preflight.Host.Apt;

/// <summary>
/// The one place that says which distribution packages belong to Kata Containers, so an APT or rpm hook knows
/// when a transaction touches the runtime or the guest image and a check is worth running.
/// <list type="bullet">
/// <item>every package whose name starts with "kata-" (kata-containers, kata-runtime, kata-agent, kata-shim,
/// kata-proxy, kata-ksm-throttler, kata-containers-image, kata-linux-container, kata-image, ...), except
/// kata-preflight itself;</item>
/// <item>the 1.x hypervisor builds shipped beside them: qemu-lite and qemu-vanilla;</item>
/// <item>any "qemu-…" package whose name mentions kata (e.g. qemu-kata, qemu-system-x86-kata).</item>
/// </list>
/// The guest agent normally arrives inside the image package and the runtime inside kata-containers/kata-runtime,
/// but packagers split them differently, so the whole family counts.
/// </summary>
public static class KataPackageNames
{
    /// <summary>Exact names outside the "kata-" prefix.</summary>
    public static readonly IReadOnlyList<string> ExtraNames = ["qemu-lite", "qemu-vanilla"];

    /// <summary>This tool's own package: upgrading it changes nothing in Kata.</summary>
    public const string Self = "kata-preflight";

    public static bool IsKata(string packageName)
    {
        // Names are lower case in both dpkg and rpm, but be lenient with a hand-written list.
        string name = packageName.ToLowerInvariant();
        if (name == Self)
        {
            return false;
        }
        return name.StartsWith("kata-", StringComparison.Ordinal)
            || ExtraNames.Contains(name)
            || (name.StartsWith("qemu-", StringComparison.Ordinal) && name.Contains("kata", StringComparison.Ordinal));
    }
}
