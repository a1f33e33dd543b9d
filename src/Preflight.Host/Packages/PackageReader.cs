
using Preflight.Formats;

namespace Preflight.Host.Packages;

/// <summary>Opens a .deb or .rpm, whichever the file's first bytes say it is (the file name is not trusted).</summary>
public static class PackageReader
{
    /// <param name="capture">Files to copy out while a .deb's list is read (see <see cref="PackageCapture"/>).</param>
    public static IPackage Open(string path, PackageCapture? capture = null)
    {
        if (InputFile.Refusal(path) is string refusal)
        {
            throw new PackageFormatException(path, null, refusal);
        }
        Span<byte> magic = stackalloc byte[8];
        int read;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
        {
            read = stream.ReadAtLeast(magic, magic.Length, throwOnEndOfStream: false);
        }
        if (read >= 8 && magic.SequenceEqual("!<arch>\n"u8))
        {
            return DebPackage.Open(path, capture);
        }
        if (read >= 4 && magic[0] == 0xED && magic[1] == 0xAB && magic[2] == 0xEE && magic[3] == 0xDB)
        {
            return RpmPackage.Open(path);
        }
        throw new PackageFormatException(path, 0, "neither a .deb (ar archive) nor an .rpm (lead magic EDABEEDB)");
    }
}
