namespace Preflight.Binaries;

/// <summary>
/// The one exception the Binaries layer raises for malformed input: it names the file, the byte offset where the
/// problem was found and what is wrong, so a user can tell a damaged binary from a bug in this tool.
/// </summary>
public sealed class BinaryFormatException : PreflightInputException
{
    public BinaryFormatException(string file, long offset, string problem)
        : base(file, problem, $"{file}: at offset {offset}: {problem}")
    {
        Offset = offset;
    }

    public long Offset { get; }
}
