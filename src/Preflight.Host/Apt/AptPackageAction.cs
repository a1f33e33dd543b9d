namespace Preflight.Host.Apt;

/// <summary>What dpkg is about to do with a package, as APT announces it to a hook.</summary>
public enum AptActionKind
{
    /// <summary>Unpack the .deb in <see cref="AptPackageAction.DebPath"/>.</summary>
    Install,

    /// <summary>"**CONFIGURE**": configure an unpacked package.</summary>
    Configure,

    /// <summary>"**REMOVE**": remove (or purge) the package.</summary>
    Remove,

    /// <summary>"**ERROR**": APT had no absolute .deb path to give (seen when installing a local file by a relative path).</summary>
    Error,
}

/// <summary>How the version changes: the field between the old and the new version.</summary>
public enum AptVersionDirection
{
    /// <summary>"&lt;": upgrade, or a first install ("- &lt; 1.0").</summary>
    Upgrade,

    /// <summary>"&gt;": downgrade, or a removal ("1.0 &gt; -").</summary>
    Downgrade,

    /// <summary>"=": same version (reinstall, configure).</summary>
    Same,

    /// <summary>Protocol version 1 carries no versions.</summary>
    Unknown,
}

/// <summary>
/// One package action line of the hook protocol. Version 3 line:
/// <c>name oldversion oldarch oldmultiarch direction newversion newarch newmultiarch action</c>; version 2 has no
/// architecture and multi-arch fields; "-" (no version) becomes null.
/// </summary>
/// <param name="Name">Package name without architecture qualifier ("kata-containers").</param>
/// <param name="OldVersion">Installed version, null when the package is not installed.</param>
/// <param name="OldArchitecture">Architecture of the installed version (version 3 only).</param>
/// <param name="OldMultiArch">"same", "foreign", "allowed" or "none" (version 3 only; "none" means "no").</param>
/// <param name="Direction">Upgrade, downgrade or same.</param>
/// <param name="NewVersion">Version being installed, null on removal.</param>
/// <param name="NewArchitecture">Architecture of the new version (version 3 only).</param>
/// <param name="NewMultiArch">Multi-arch type of the new version (version 3 only).</param>
/// <param name="Action">Install (with a .deb), configure, remove, or APT's **ERROR** marker.</param>
/// <param name="DebPath">The .deb file to be unpacked, for <see cref="AptActionKind.Install"/> only.</param>
public sealed record AptPackageAction(
    string Name,
    string? OldVersion,
    string? OldArchitecture,
    string? OldMultiArch,
    AptVersionDirection Direction,
    string? NewVersion,
    string? NewArchitecture,
    string? NewMultiArch,
    AptActionKind Action,
    string? DebPath);
