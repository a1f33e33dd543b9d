namespace Preflight.Formats;

/// <summary>
/// A reader reached one of its bounds (bytes decompressed, entries, name bytes): the input is hostile or broken.
/// The caller turns it into its layer's exception naming the file, as it does InvalidDataException.
/// </summary>
public sealed class FormatLimitException(string message) : Exception(message);
