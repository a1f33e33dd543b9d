namespace Preflight.Imaging;

/// <summary>
/// The one exception the imaging layer raises for malformed or unsupported input: it names the file,
/// the byte offset where the problem was seen (when known) and what was wrong, so the CLI can print one line.
/// </summary>
public sealed class ImageFormatException : PreflightInputException
{
    public ImageFormatException(string file, long? offset, string problem, Exception? inner = null)
        : base(file, problem, Format(file, offset, problem), inner)
    {
        Offset = offset;
    }

    public long? Offset { get; }

    private static string Format(string file, long? offset, string problem) =>
        offset is long at ? $"{file}: {problem} (at byte {at})" : $"{file}: {problem}";
}
