namespace Preflight.Host.Packages;

/// <summary>
/// The one exception the package readers raise for a malformed or unsupported .deb or .rpm: it names the file,
/// the byte offset where the problem was seen (when known) and what was wrong, so the CLI can print one line.
/// </summary>
public sealed class PackageFormatException : PreflightInputException
{
    public PackageFormatException(string file, long? offset, string problem, Exception? inner = null)
        : base(file, problem, Format(file, offset, problem), inner)
    {
        Offset = offset;
    }

    public long? Offset { get; }

    private static string Format(string file, long? offset, string problem) =>
        offset is long at ? $"{file}: {problem} (at byte {at})" : $"{file}: {problem}";

    /// <summary>
    /// True for the two exceptions corrupt data arrives as: every decompressor reports it as InvalidDataException
    /// (Preflight.Formats.Compression.DecoderGuard lists each decoder's own types), and so does the tar reader
    /// (<see cref="TarEntries"/>); EndOfStreamException is a payload that ends early. Nothing else is caught, so a
    /// bug in our code is not mistaken for a damaged package.
    /// </summary>
    internal static bool IsCorruptData(Exception ex) => ex is InvalidDataException or EndOfStreamException;
}
