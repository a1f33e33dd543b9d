namespace Preflight.Checking;

/// <summary>
/// A file read out of a package that is not installed yet: where the package would install it, and which package it
/// is (the file the admin named, and the name and version inside it). Reports name a candidate this way, because the
/// copy the pipeline read lives in a scratch directory that is gone when the admin reads the report.
/// </summary>
/// <param name="PathInPackage">Where the package installs the file ("/usr/bin/containerd-shim-kata-v2").</param>
/// <param name="PackagePath">The .deb or .rpm as named on the command line or by APT.</param>
/// <param name="PackageName">The package's own name ("kata-runtime").</param>
/// <param name="PackageVersion">The package's full version ("1.12.1-1").</param>
public sealed record PackagedFile(string PathInPackage, string PackagePath, string PackageName, string PackageVersion)
{
    /// <summary>The package file's name, without the directory it was named in.</summary>
    public string PackageFile => Path.GetFileName(PackagePath);

    /// <summary>"/usr/bin/containerd-shim-kata-v2 from kata-runtime 1.12.1-1 (kata-runtime_1.12.1-1_amd64.deb)".</summary>
    public override string ToString() => $"{PathInPackage} from {PackageName} {PackageVersion} ({PackageFile})";
}

/// <summary>
/// Puts package names where a report names scratch copies: each copy's path becomes the path it installs to, with
/// the package it came from, in the image and runtime of every check and in every finding's subject and message.
/// </summary>
public static class PackagedNames
{
    /// <param name="copies">Each scratch copy's full path and the packaged file it is a copy of.</param>
    public static CheckReport Apply(CheckReport report, IReadOnlyDictionary<string, PackagedFile> copies)
    {
        if (copies.Count == 0)
        {
            return report;
        }
        // Longest first, so a copy whose path begins with another's is replaced whole.
        var byLength = copies.OrderByDescending(c => c.Key.Length).ToList();
        string InText(string text)
        {
            foreach (var (copy, packaged) in byLength)
            {
                text = text.Replace(copy, packaged.ToString(), StringComparison.Ordinal);
            }
            return text;
        }

        return report with
        {
            Targets = report.Targets.Select(target => target with
            {
                Image = target.Image is ImageSummary image && copies.TryGetValue(image.Path, out PackagedFile? imageFile)
                    ? image with { Path = imageFile.PathInPackage, Package = imageFile }
                    : target.Image,
                Agent = Side(target.Agent, copies),
                Runtime = Side(target.Runtime, copies),
                Findings = target.Findings.Select(f => f with { Subject = InText(f.Subject), Message = InText(f.Message) }).ToList(),
            }).ToList(),
        };
    }

    private static SideSummary? Side(SideSummary? side, IReadOnlyDictionary<string, PackagedFile> copies) =>
        side is not null && copies.TryGetValue(side.Path, out PackagedFile? file)
            ? side with { Path = file.PathInPackage, Package = file }
            : side;
}
