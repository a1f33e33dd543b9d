using System.Formats.Tar;
using Preflight.Formats.Compression;
using Preflight.Formats.Streams;

namespace Preflight.Host.Packages;

/// <summary>
/// A .deb read in place (deb(5)): an ar archive whose first member is "debian-binary" ("2.0\n"), then
/// control.tar[.gz|.xz|.zst] with the control fields, then data.tar[.gz|.xz|.zst|.bz2] with the files to install.
/// </summary>
public sealed class DebPackage : PackageBase
{
    /// <summary>The control file is a few KiB; refuse to buffer anything bigger than this.</summary>
    private const long MaxControlFileBytes = 1 << 20;

    /// <summary>More entries than any real package has; stops a hostile archive from growing the list forever.</summary>
    private const int MaxEntries = 1_000_000;

    private DebPackage(string sourcePath, PackageInfo info, IReadOnlyList<PackageFile> files, IReadOnlyDictionary<string, string> captured)
        : base(sourcePath, info, files, captured)
    {
    }

    /// <summary>
    /// Reads the identity and file list of the .deb at <paramref name="path"/>, copying out what
    /// <paramref name="capture"/> asks for on the way.
    /// </summary>
    public static DebPackage Open(string path, PackageCapture? capture = null)
    {
        using FileStream stream = OpenRead(path);
        var layout = DebLayout.Read(stream, path);
        Dictionary<string, string> fields = ReadControlFields(stream, layout, path);
        var captured = new Dictionary<string, string>(StringComparer.Ordinal);
        List<PackageFile> files = ReadFileList(stream, layout, path, capture, captured);

        string name = Required(fields, "Package", path);
        string version = Required(fields, "Version", path);
        string architecture = fields.GetValueOrDefault("Architecture") ?? "";
        var info = new PackageInfo(name, version, architecture, PackageFormat.Deb, fields);
        return new DebPackage(path, info, files, captured);
    }

    protected override Stream OpenContent(PackageFile file)
    {
        FileStream stream = OpenRead(SourcePath);
        TarReader? tar = null;
        Stream? payload = null;
        try
        {
            var layout = DebLayout.Read(stream, SourcePath);
            payload = OpenMember(stream, layout.Data, layout.DataCompression, SourcePath);
            tar = new TarReader(payload, leaveOpen: true);
            int count = 0;
            while (TarEntries.Next(tar) is TarEntry entry)
            {
                if (++count > MaxEntries)
                {
                    break;
                }
                if (IsRegular(entry.EntryType) && PackagePaths.Normalize(entry.Name) == file.Path && entry.Length == file.Size)
                {
                    Stream data = entry.DataStream ?? Stream.Null;
                    return new PackageEntryStream(data, entry.Length, SourcePath, file.Path, tar, payload, stream);
                }
            }
        }
        catch (Exception ex) when (PackageFormatException.IsCorruptData(ex))
        {
            Dispose(tar, payload, stream);
            throw new PackageFormatException(SourcePath, null, $"data.tar is corrupt: {ex.Message}", ex);
        }
        catch
        {
            Dispose(tar, payload, stream);
            throw;
        }
        Dispose(tar, payload, stream);
        throw new PackageFormatException(SourcePath, null, $"{file.Path} was listed but is not in data.tar on a second read");
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024);

    private static Dictionary<string, string> ReadControlFields(FileStream stream, DebLayout layout, string path)
    {
        try
        {
            using Stream payload = OpenMember(stream, layout.Control, layout.ControlCompression, path);
            using var tar = new TarReader(payload, leaveOpen: true);
            int count = 0;
            while (TarEntries.Next(tar) is TarEntry entry && ++count <= MaxEntries)
            {
                if (!IsRegular(entry.EntryType) || PackagePaths.Normalize(entry.Name) != "/control")
                {
                    continue;
                }
                if (entry.Length > MaxControlFileBytes)
                {
                    throw new PackageFormatException(path, null, $"control file is {entry.Length} bytes, more than {MaxControlFileBytes}");
                }
                var content = new byte[entry.Length];
                (entry.DataStream ?? Stream.Null).ReadExactly(content);
                return DebControl.Parse(content, path);
            }
        }
        catch (Exception ex) when (PackageFormatException.IsCorruptData(ex))
        {
            throw new PackageFormatException(path, layout.Control.DataOffset, $"{layout.Control.Name} is corrupt: {ex.Message}", ex);
        }
        throw new PackageFormatException(path, layout.Control.DataOffset, $"{layout.Control.Name} has no control file");
    }

    private static List<PackageFile> ReadFileList(
        FileStream stream, DebLayout layout, string path, PackageCapture? capture, Dictionary<string, string> captured)
    {
        var files = new List<PackageFile>();
        try
        {
            using Stream payload = OpenMember(stream, layout.Data, layout.DataCompression, path);
            using var tar = new TarReader(payload, leaveOpen: true);
            long claimed = 0;
            while (TarEntries.Next(tar) is TarEntry entry)
            {
                if (files.Count >= MaxEntries)
                {
                    throw new PackageFormatException(path, layout.Data.DataOffset, $"{layout.Data.Name} has more than {MaxEntries} entries");
                }
                PackageFile file = ToPackageFile(entry);
                // Every byte the entries claim must come out of the decompressor to walk the list: refuse the
                // claim at once rather than decompress up to the limit (a 256 GiB claim in a 200 KB member).
                claimed = PackageLimits.AddClaim(claimed, file.Size);
                if (claimed > PackageLimits.MaxExpandedBytes(layout.Data.Size))
                {
                    throw ExpansionLimitStream.TooLarge(path, layout.Data.Name, layout.Data.Size, claimed);
                }
                files.Add(file);
                if (capture is not null && file.Kind == PackageFileKind.Regular
                    && capture.MaxBytesFor(file.Path) is long maxBytes && file.Size <= maxBytes
                    && (capture.Budget is null || capture.Budget.TryReserve(file.Size)))
                {
                    // A later entry for the same path replaces the copy, as it would replace the file when unpacked.
                    captured[file.Path] = Capture(entry, file, capture.Directory);
                }
            }
        }
        catch (Exception ex) when (PackageFormatException.IsCorruptData(ex))
        {
            throw new PackageFormatException(path, layout.Data.DataOffset, $"{layout.Data.Name} is corrupt: {ex.Message}", ex);
        }
        return files;
    }

    /// <summary>Copies one entry's data to directory + its path (normalized, so it cannot leave the directory).</summary>
    private static string Capture(TarEntry entry, PackageFile file, string directory)
    {
        string target = Path.Combine(directory, file.Path.TrimStart('/'));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        using var destination = new FileStream(target, FileMode.Create, FileAccess.Write, FileShare.None);
        // The tar reader bounds the data stream to the entry's length, which the caller checked against the limit.
        (entry.DataStream ?? Stream.Null).CopyTo(destination, 1 << 20);
        return target;
    }

    private static PackageFile ToPackageFile(TarEntry entry)
    {
        string path = PackagePaths.Normalize(entry.Name);
        int mode = (int)entry.Mode & 0xFFF;
        return entry.EntryType switch
        {
            _ when IsRegular(entry.EntryType) => new PackageFile(path, PackageFileKind.Regular, entry.Length, null, mode),
            TarEntryType.Directory => new PackageFile(path, PackageFileKind.Directory, 0, null, mode),
            TarEntryType.SymbolicLink => new PackageFile(path, PackageFileKind.Symlink, 0, entry.LinkName, mode),
            // tar stores a hard link's target as another member name ("./usr/bin/x"); keep it as an installed path.
            TarEntryType.HardLink => new PackageFile(path, PackageFileKind.HardLink, 0, PackagePaths.Normalize(entry.LinkName), mode),
            _ => new PackageFile(path, PackageFileKind.Other, 0, null, mode),
        };
    }

    private static bool IsRegular(TarEntryType type) =>
        type is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile;

    private static Stream OpenMember(FileStream stream, ArMember member, CompressionFormat compression, string path) =>
        PackageCompression.Open(new StreamSlice(stream, member.DataOffset, member.Size), compression, path, member.Name, member.Size);

    private static string Required(Dictionary<string, string> fields, string name, string path) =>
        fields.TryGetValue(name, out string? value) && value.Length > 0
            ? value
            : throw new PackageFormatException(path, null, $"control file has no {name} field");

    private static void Dispose(params IDisposable?[] disposables)
    {
        foreach (IDisposable? disposable in disposables)
        {
            disposable?.Dispose();
        }
    }

    /// <summary>Where the control and data members are and how each is compressed.</summary>
    private sealed record DebLayout(ArMember Control, CompressionFormat ControlCompression, ArMember Data, CompressionFormat DataCompression)
    {
        public static DebLayout Read(FileStream stream, string path)
        {
            IReadOnlyList<ArMember> members = ArArchive.ReadMembers(stream, path);
            if (members.Count == 0 || members[0].Name != "debian-binary")
            {
                throw new PackageFormatException(path, 8, "first ar member is not debian-binary, so not a .deb");
            }
            CheckFormatVersion(stream, members[0], path);

            (ArMember control, CompressionFormat controlCompression) = FindMember(members, "control.tar", path);
            (ArMember data, CompressionFormat dataCompression) = FindMember(members, "data.tar", path);
            return new DebLayout(control, controlCompression, data, dataCompression);
        }

        private static void CheckFormatVersion(FileStream stream, ArMember member, string path)
        {
            Span<byte> version = stackalloc byte[4];
            int length = (int)Math.Min(member.Size, version.Length);
            stream.Position = member.DataOffset;
            stream.ReadExactly(version[..length]);
            // deb(5): the major version must be 2; minor revisions are compatible.
            if (length < 2 || version[0] != (byte)'2' || version[1] != (byte)'.')
            {
                throw new PackageFormatException(path, member.DataOffset, "debian-binary is not format 2.x");
            }
        }

        private static (ArMember Member, CompressionFormat Compression) FindMember(IReadOnlyList<ArMember> members, string stem, string path)
        {
            foreach (ArMember member in members)
            {
                if (!member.Name.StartsWith(stem, StringComparison.Ordinal))
                {
                    continue;
                }
                CompressionFormat compression = PackageCompression.FromDebMemberName(member.Name, stem)
                    ?? throw new PackageFormatException(path, member.DataOffset, $"{member.Name}: unsupported compression");
                return (member, compression);
            }
            throw new PackageFormatException(path, null, $"no {stem} member, so not a complete .deb");
        }
    }
}
