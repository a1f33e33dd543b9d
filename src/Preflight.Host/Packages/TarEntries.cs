using System.Formats.Tar;

namespace Preflight.Host.Packages;

/// <summary>
/// System.Formats.Tar's reader, with what it throws on a damaged archive narrowed to InvalidDataException. Its
/// documentation names InvalidDataException; damaging real tar files (GNU, pax, ustar) also gives
/// EndOfStreamException (a header cut short), FormatException and OverflowException (a numeric field that does
/// not parse or does not fit) and InvalidOperationException (an extended-attributes entry larger than it says).
/// </summary>
internal static class TarEntries
{
    public static TarEntry? Next(TarReader tar)
    {
        try
        {
            return tar.GetNextEntry();
        }
        catch (Exception e) when (e is EndOfStreamException or FormatException or OverflowException or InvalidOperationException)
        {
            throw new InvalidDataException($"tar: {e.Message}", e);
        }
    }
}
