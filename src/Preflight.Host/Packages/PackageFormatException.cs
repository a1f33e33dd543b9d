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
    /// True for the exceptions that decompressors and System.Formats.Tar throw on corrupt data; they are turned
    /// into a <see cref="PackageFormatException"/> so callers catch one type. The liblzma-backed xz decoder
    /// (Preflight.Imaging.Compression) reports every failure as InvalidDataException naming the liblzma status.
    /// </summary>
    internal static bool IsCorruptData(Exception ex) =>
        ex is InvalidDataException or EndOfStreamException or FormatException or OverflowException
            or ArgumentException or NotSupportedException or InvalidOperationException
            or ZstdSharp.ZstdException
            || ex.GetType().Namespace?.StartsWith("SharpCompress", StringComparison.Ordinal) == true;
}
