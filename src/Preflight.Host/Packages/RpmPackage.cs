using System.Buffers.Binary;
using Preflight.Formats.Compression;
using Preflight.Formats.Cpio;
using Preflight.Formats.Streams;

namespace Preflight.Host.Packages;

/// <summary>
/// An .rpm read in place: a 96-byte lead (magic ed ab ee db), the signature header padded to 8 bytes, the main
/// header (name, version, file list) and the payload, a compressed cpio newc archive. The file list comes from the
/// main header, as `rpm -qlp` shows it; file content comes from the payload.
/// </summary>
public sealed class RpmPackage : PackageBase
{
    private const int LeadSize = 96;

    /// <summary>More entries than any real package has; bounds the walk through a hostile payload.</summary>
    private const int MaxEntries = 1_000_000;

    private readonly long _payloadOffset;
    private readonly CompressionFormat _compression;

    private RpmPackage(string sourcePath, PackageInfo info, IReadOnlyList<PackageFile> files, long payloadOffset, CompressionFormat compression)
        : base(sourcePath, info, files)
    {
        _payloadOffset = payloadOffset;
        _compression = compression;
    }

    /// <summary>Reads the identity and file list of the .rpm at <paramref name="path"/>.</summary>
    public static RpmPackage Open(string path)
    {
        using FileStream stream = OpenRead(path);
        CheckLead(stream, path);
        RpmHeader signature = RpmHeader.Read(stream, LeadSize, path, "signature header");
        // The signature header is padded so the main header starts on an 8-byte boundary.
        long mainOffset = LeadSize + signature.TotalSize;
        mainOffset += (8 - (mainOffset & 7)) & 7;
        RpmHeader main = RpmHeader.Read(stream, mainOffset, path, "main header");
        long payloadOffset = mainOffset + main.TotalSize;

        string name = main.GetString(RpmHeader.TagName) ?? throw new PackageFormatException(path, mainOffset, "main header has no NAME");
        string version = main.GetString(RpmHeader.TagVersion) ?? throw new PackageFormatException(path, mainOffset, "main header has no VERSION");
        string release = main.GetString(RpmHeader.TagRelease) ?? "";
        string architecture = main.GetString(RpmHeader.TagArch) ?? "";
        long[] epoch = main.GetIntegers(RpmHeader.TagEpoch);
        string payloadFormat = main.GetString(RpmHeader.TagPayloadFormat) ?? "cpio";
        // rpm's default when the tag is absent (very old packages) is gzip.
        string compressor = main.GetString(RpmHeader.TagPayloadCompressor) ?? "gzip";
        if (payloadFormat != "cpio")
        {
            throw new PackageFormatException(path, payloadOffset, $"payload format '{payloadFormat}' is not supported (only cpio)");
        }
        CompressionFormat compression = PackageCompression.FromRpmCompressor(compressor)
            ?? throw new PackageFormatException(path, payloadOffset, $"payload compressor '{compressor}' is not supported");

        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["Release"] = release,
            ["PayloadFormat"] = payloadFormat,
            ["PayloadCompressor"] = compressor,
        };
        string fullVersion = release.Length > 0 ? $"{version}-{release}" : version;
        if (epoch.Length > 0)
        {
            fields["Epoch"] = epoch[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
            fullVersion = $"{epoch[0]}:{fullVersion}";
        }
        var info = new PackageInfo(name, fullVersion, architecture, PackageFormat.Rpm, fields);
        List<PackageFile> files = ReadFileList(main, path, mainOffset);
        // The header's sizes are claims the payload must back: refuse the impossible ones before decompressing.
        long claimed = 0;
        foreach (PackageFile file in files)
        {
            claimed = PackageLimits.AddClaim(claimed, file.Size < 0 ? long.MaxValue : file.Size);
        }
        long payloadBytes = stream.Length - payloadOffset;
        if (claimed > PackageLimits.MaxExpandedBytes(payloadBytes))
        {
            throw ExpansionLimitStream.TooLarge(path, "payload", payloadBytes, claimed);
        }
        return new RpmPackage(path, info, files, payloadOffset, compression);
    }

    protected override Stream OpenContent(PackageFile file)
    {
        FileStream stream = OpenRead(SourcePath);
        Stream? payload = null;
        try
        {
            stream.Position = _payloadOffset;
            payload = PackageCompression.Open(stream, _compression, SourcePath, "payload", stream.Length - _payloadOffset);
            var cpio = new CpioNewcReader(new ForwardReader(payload, long.MaxValue, ""));
            uint? hardLinkInode = null;
            for (int count = 0; count < MaxEntries && cpio.Next() is CpioEntry entry; count++)
            {
                bool samePath = PackagePaths.Normalize(entry.Name) == file.Path;
                // Hard-linked files: cpio carries the data only once, on the last link, so follow the inode.
                if (entry.Header.IsRegularFile && (samePath || entry.Header.Ino == hardLinkInode))
                {
                    if (entry.Size == file.Size)
                    {
                        return new PackageEntryStream(cpio.OpenData(), entry.Size, SourcePath, "cpio entry", payload, stream);
                    }
                    if (entry.Size == 0 && entry.Header.NLink > 1)
                    {
                        hardLinkInode = entry.Header.Ino;
                    }
                }
            }
        }
        catch (Exception ex) when (PackageFormatException.IsCorruptData(ex) || ex is IOException)
        {
            payload?.Dispose();
            stream.Dispose();
            throw ex as PackageFormatException
                ?? new PackageFormatException(SourcePath, _payloadOffset, $"payload is corrupt: {ex.Message}", ex);
        }
        catch
        {
            payload?.Dispose();
            stream.Dispose();
            throw;
        }
        payload?.Dispose();
        stream.Dispose();
        throw new PackageFormatException(SourcePath, _payloadOffset, $"{file.Path} is in the header but its content is not in the payload");
    }

    private static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024);

    private static void CheckLead(FileStream stream, string path)
    {
        Span<byte> lead = stackalloc byte[LeadSize];
        if (stream.ReadAtLeast(lead, LeadSize, throwOnEndOfStream: false) < LeadSize)
        {
            throw new PackageFormatException(path, 0, "file is shorter than an rpm lead (96 bytes)");
        }
        if (BinaryPrimitives.ReadUInt32BigEndian(lead) != 0xEDABEEDB)
        {
            throw new PackageFormatException(path, 0, $"bad rpm lead magic {Convert.ToHexString(lead[..4])} (expected EDABEEDB)");
        }
    }

    private static List<PackageFile> ReadFileList(RpmHeader main, string path, long headerOffset)
    {
        string[] paths = FilePaths(main, path, headerOffset);
        long[] sizes = main.Has(RpmHeader.TagLongFileSizes)
            ? main.GetIntegers(RpmHeader.TagLongFileSizes)
            : main.GetIntegers(RpmHeader.TagFileSizes);
        long[] modes = main.GetIntegers(RpmHeader.TagFileModes);
        string[] linkTargets = main.GetStringArray(RpmHeader.TagFileLinkTos);
        if (sizes.Length != paths.Length || modes.Length != paths.Length || (linkTargets.Length != 0 && linkTargets.Length != paths.Length))
        {
            throw new PackageFormatException(path, headerOffset,
                $"main header lists {paths.Length} files but {sizes.Length} sizes, {modes.Length} modes and {linkTargets.Length} link targets");
        }

        var files = new List<PackageFile>(paths.Length);
        for (int i = 0; i < paths.Length; i++)
        {
            int mode = (int)modes[i];
            PackageFileKind kind = (mode & 0xF000) switch
            {
                0x8000 => PackageFileKind.Regular,
                0x4000 => PackageFileKind.Directory,
                0xA000 => PackageFileKind.Symlink,
                _ => PackageFileKind.Other,
            };
            long size = kind == PackageFileKind.Regular ? sizes[i] : 0;
            string? target = kind == PackageFileKind.Symlink ? linkTargets.ElementAtOrDefault(i) : null;
            files.Add(new PackageFile(PackagePaths.Normalize(paths[i]), kind, size, target, mode & 0xFFF));
        }
        return files;
    }

    /// <summary>Full paths: DIRNAMES[DIRINDEXES[i]] + BASENAMES[i], or OLDFILENAMES in packages older than rpm 4.</summary>
    private static string[] FilePaths(RpmHeader main, string path, long headerOffset)
    {
        if (!main.Has(RpmHeader.TagBaseNames))
        {
            return main.GetStringArray(RpmHeader.TagOldFileNames);
        }
        string[] baseNames = main.GetStringArray(RpmHeader.TagBaseNames);
        string[] dirNames = main.GetStringArray(RpmHeader.TagDirNames);
        long[] dirIndexes = main.GetIntegers(RpmHeader.TagDirIndexes);
        if (dirIndexes.Length != baseNames.Length)
        {
            throw new PackageFormatException(path, headerOffset, $"main header has {baseNames.Length} base names but {dirIndexes.Length} directory indexes");
        }
        var paths = new string[baseNames.Length];
        for (int i = 0; i < baseNames.Length; i++)
        {
            long dir = dirIndexes[i];
            if (dir < 0 || dir >= dirNames.Length)
            {
                throw new PackageFormatException(path, headerOffset, $"file {baseNames[i]} has directory index {dir} of {dirNames.Length}");
            }
            paths[i] = dirNames[dir] + baseNames[i];
        }
        return paths;
    }
}
