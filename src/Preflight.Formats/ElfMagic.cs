namespace Preflight.Formats;

/// <summary>
/// The four bytes every ELF file starts with (\x7fELF): how the agent locator tells a binary from a script, how a
/// named input is recognised as a binary, and the first check the ELF reader makes.
/// </summary>
public static class ElfMagic
{
    private static ReadOnlySpan<byte> Bytes => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    public static bool StartsWith(ReadOnlySpan<byte> data) => data.StartsWith(Bytes);

    /// <summary>Reads the first four bytes of the stream (from its current position).</summary>
    public static bool StartsWith(Stream stream)
    {
        Span<byte> head = stackalloc byte[4];
        return stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && StartsWith(head);
    }
}
