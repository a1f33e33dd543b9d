namespace Preflight.Protocol;

/// <summary>Descriptor bytes that do not parse as protobuf descriptors. Source names where they came from.</summary>
public sealed class ProtocolFormatException : Exception
{
    public ProtocolFormatException(string source, string problem, Exception? inner = null)
        : base($"{source}: {problem}", inner)
    {
        Source = source;
        Problem = problem;
    }

    public new string Source { get; }

    public string Problem { get; }
}
