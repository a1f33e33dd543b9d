namespace Preflight.Protocol;

/// <summary>
/// Descriptor bytes that do not parse as protobuf descriptors, or a protocol over one of the layer's limits (nesting
/// depth). <see cref="PreflightInputException.File"/> names where the descriptors came from.
/// </summary>
public sealed class ProtocolFormatException(string source, string problem, Exception? inner = null)
    : PreflightInputException(source, problem, $"{source}: {problem}", inner);
