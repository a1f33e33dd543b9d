using Preflight.Host.Config;
using Preflight.Host.Packages;

namespace Preflight.Checking;

/// <summary>
/// The runtime binary and the guest image found in candidate packages, copied out to plain files so the check
/// pipeline can read them like any other candidate. Either may be null when no package carries one.
/// </summary>
/// <param name="RuntimePath">A copy of the runtime binary under the temp directory, or null.</param>
/// <param name="ImagePath">A copy of the guest image (disk image or initrd) under the temp directory, or null.</param>
/// <param name="Notes">What was taken from where, and what was skipped and why; one line each, for the user.</param>
/// <param name="Problems">Each package that could not be read, or whose runtime or image could not be copied out,
/// with its own error: when nothing was found, that is the answer to give, not "no runtime or image".</param>
/// <param name="Copies">Each copy (RuntimePath, ImagePath) and the packaged file it was copied from: what reports name
/// instead of the scratch path (<see cref="PackagedNames"/>).</param>
public sealed record CandidatePair(
    string? RuntimePath,
    string? ImagePath,
    IReadOnlyList<string> Notes,
    IReadOnlyList<PackageFormatException> Problems,
    IReadOnlyDictionary<string, PackagedFile> Copies);

/// <summary>
/// Finds Kata's runtime and guest image inside .deb/.rpm files that are not installed yet (an APT transaction, or
/// `check --package`), so "what would this upgrade do" can be answered before dpkg or rpm touches the host.
/// The first package that carries a runtime wins, likewise for the image; later ones are named in the notes.
/// </summary>
public static class PackageCandidates
{
    /// <summary>
    /// Where Kata packages install the runtime, in preference order: the distro packages (kata-containers,
    /// kata-runtime), then kata-deploy / kata-static under /opt/kata, then the Rust runtime's own shim.
    /// kata-runtime comes after the shim: in 2.x+ it is the CLI, built from the same protocol code, so it is
    /// only a fallback for 1.x packages that ship no shim.
    /// </summary>
    public static readonly IReadOnlyList<string> RuntimePaths =
    [
        KataPaths.DistroShim,
        KataPaths.KataDeployGoRuntime,
        KataPaths.DistroRuntimeCli,
        KataPaths.KataDeployRustRuntime,
    ];

    /// <summary>The directories guest images are installed in (distro packages, kata-static).</summary>
    public static readonly IReadOnlyList<string> ImageDirectories = [KataPaths.DistroImageDir, KataPaths.KataDeployImageDir];

    /// <summary>A real shim is 40-120 MiB; anything far beyond that is not one, and must not fill the disk.</summary>
    public const long MaxRuntimeBytes = 1L << 30;

    /// <summary>Guest images are 128 MiB-2 GiB (GPU images the largest); the copy is bounded to keep /tmp safe.</summary>
    public const long MaxImageBytes = 8L << 30;

    /// <param name="budget">What this run may write under tempDir in all (<see cref="PackageLimits.DefaultScratchBytes"/>).</param>
    public static CandidatePair Extract(IReadOnlyList<string> packagePaths, string tempDir, ScratchBudget budget)
    {
        Directory.CreateDirectory(tempDir);
        var notes = new List<string>();
        var problems = new List<PackageFormatException>();
        var copies = new Dictionary<string, PackagedFile>(StringComparer.Ordinal);
        string? runtime = null;
        string? image = null;
        foreach (string packagePath in packagePaths)
        {
            // The copies keep the package's file name and the installed path, so two packages' copies never meet;
            // reports name them by package and installed path instead (Copies).
            string packageDir = Path.Combine(tempDir, Path.GetFileName(packagePath));
            IPackage package;
            try
            {
                package = PackageReader.Open(packagePath, new PackageCapture(packageDir, MaxBytesToCapture, budget));
            }
            catch (Exception e) when (e is PackageFormatException or IOException or UnauthorizedAccessException)
            {
                notes.Add($"{packagePath}: cannot be read, skipped: {e.Message}");
                problems.Add(e as PackageFormatException ?? new PackageFormatException(packagePath, null, $"cannot be read: {e.Message}", e));
                continue;
            }
            string label = $"{package.Info.Name} {package.Info.Version} ({Path.GetFileName(packagePath)})";

            if (FindRuntime(package) is string runtimeInPackage)
            {
                if (runtime is null)
                {
                    runtime = Copy(package, runtimeInPackage, packageDir, MaxRuntimeBytes, budget, label, notes, problems);
                    if (runtime is not null)
                    {
                        copies[runtime] = new PackagedFile(runtimeInPackage, packagePath, package.Info.Name, package.Info.Version);
                        notes.Add($"runtime: {copies[runtime]}");
                    }
                }
                else
                {
                    notes.Add($"{label} also carries {runtimeInPackage}; the runtime from the first package is checked");
                }
            }

            IReadOnlyList<string> images = FindImages(package);
            if (images.Count > 0)
            {
                if (image is null)
                {
                    foreach (string imageInPackage in images)
                    {
                        image = Copy(package, imageInPackage, packageDir, MaxImageBytes, budget, label, notes, problems);
                        if (image is not null)
                        {
                            copies[image] = new PackagedFile(imageInPackage, packagePath, package.Info.Name, package.Info.Version);
                            notes.Add($"guest image: {copies[image]}");
                            break;
                        }
                    }
                    if (images.Count > 1)
                    {
                        notes.Add($"{label} carries {images.Count} guest images ({string.Join(", ", images)}); only the default one is checked");
                    }
                }
                else
                {
                    notes.Add($"{label} also carries guest images; the image from the first package is checked");
                }
            }
        }
        return new CandidatePair(runtime, image, notes, problems, copies);
    }

    private static string? FindRuntime(IPackage package) =>
        RuntimePaths.FirstOrDefault(path => package.Find(path) is { Kind: not (PackageFileKind.Directory or PackageFileKind.Other) });

    /// <summary>
    /// The guest images a package installs, best first: the name Kata's default configuration uses
    /// (kata-containers.img, usually a symlink to the versioned file), then the default initrd, then other disk
    /// images, then other initrds. Symlinks are listed as themselves; opening them follows the link in the package.
    /// </summary>
    /// <remarks>
    /// Names that lead to the same file (kata-containers.img -> kata-containers-3.2.0.img) count once, under the
    /// best-ranked name, so "this package carries N images" means N different images.
    /// </remarks>
    public static IReadOnlyList<string> FindImages(IPackage package) => package.Files
        .Where(file => file.Kind is PackageFileKind.Regular or PackageFileKind.Symlink or PackageFileKind.HardLink)
        .Where(file => ImageDirectories.Contains(Path.GetDirectoryName(file.Path)))
        .Select(file => file.Path)
        .Where(path => IsImageName(Path.GetFileName(path)))
        .Distinct(StringComparer.Ordinal)
        .OrderBy(ImageRank).ThenBy(path => path, StringComparer.Ordinal)
        .GroupBy(path => ResolvedPath(package, path), StringComparer.Ordinal)
        .Select(sameFile => sameFile.First())
        .ToList();

    /// <summary>The regular file a name leads to inside the package; the name itself when the link dangles.</summary>
    private static string ResolvedPath(IPackage package, string path)
    {
        try
        {
            return package.Resolve(path).Path;
        }
        catch (Exception e) when (e is FileNotFoundException or PackageFormatException)
        {
            return path;
        }
    }

    private static bool IsImageName(string name) =>
        name.StartsWith("kata-containers", StringComparison.Ordinal)
        && (name.EndsWith(".img", StringComparison.Ordinal) || name.Contains("initrd", StringComparison.Ordinal));

    private static int ImageRank(string path) => Path.GetFileName(path) switch
    {
        "kata-containers.img" => 0,
        "kata-containers-initrd.img" => 1,
        string name when !name.Contains("initrd", StringComparison.Ordinal) => 2,
        _ => 3,
    };

    /// <summary>
    /// What is worth copying out while a .deb's list is read (one decompression instead of two): a runtime at one of
    /// its fixed paths, and every guest image by name, since which one kata-containers.img links to is known only
    /// once the whole list is.
    /// </summary>
    private static long? MaxBytesToCapture(string path)
    {
        if (RuntimePaths.Contains(path))
        {
            return MaxRuntimeBytes;
        }
        return ImageDirectories.Contains(Path.GetDirectoryName(path)) && IsImageName(Path.GetFileName(path)) ? MaxImageBytes : null;
    }

    /// <summary>
    /// Streams one file (links followed inside the package) to packageDir + its path; null when it cannot. The copy
    /// reserves its size in the run's scratch budget first, so what does not fit is never written.
    /// </summary>
    private static string? Copy(IPackage package, string pathInPackage, string packageDir, long maxBytes, ScratchBudget budget,
        string label, List<string> notes, List<PackageFormatException> problems)
    {
        // pathInPackage is normalized by the reader (absolute, no "..") so it cannot leave packageDir.
        string target = Path.Combine(packageDir, pathInPackage.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            if (package.CapturedCopy(package.Resolve(pathInPackage).Path) is string captured)
            {
                // Copied while the list was read; under a link's name it is moved to that name (each file is
                // checked under one name only), in the same scratch directory, so this is a rename.
                if (captured != target)
                {
                    File.Move(captured, target, overwrite: true);
                }
                return target;
            }
            long size = package.Resolve(pathInPackage).Size;
            if (!budget.TryReserve(size))
            {
                throw new PackageFormatException(package.SourcePath, null,
                    $"{pathInPackage} is {size} bytes: copying it would pass this run's scratch budget of {budget.MaxBytes} bytes ({budget.ReservedBytes} already used)");
            }
            using (Stream source = package.OpenFile(pathInPackage))
            using (var destination = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                CopyBounded(source, destination, maxBytes, pathInPackage);
            }
            return target;
        }
        catch (Exception e) when (e is PackageFormatException or FileNotFoundException or InvalidDataException)
        {
            File.Delete(target);
            notes.Add($"{label}: {pathInPackage} cannot be extracted, skipped: {e.Message}");
            problems.Add(e as PackageFormatException ?? new PackageFormatException(package.SourcePath, null, $"{pathInPackage} cannot be extracted: {e.Message}", e));
            return null;
        }
    }

    private static void CopyBounded(Stream source, Stream destination, long maxBytes, string name)
    {
        byte[] buffer = new byte[1 << 20];
        long total = 0;
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            total += read;
            if (total > maxBytes)
            {
                throw new InvalidDataException($"{name} is larger than {maxBytes} bytes, more than any real one");
            }
            destination.Write(buffer, 0, read);
        }
    }
}
