namespace Preflight.Imaging.Layouts;

/// <summary>Positioned reads of whole structures from the image; a short read means the file ends too soon.</summary>
internal static class SectorReader
{
    /// <summary>Reads exactly buffer.Length bytes at offset, or returns false when the file is shorter.</summary>
    public static bool TryReadAt(Stream image, long offset, Span<byte> buffer)
    {
        if (offset < 0 || offset > image.Length - buffer.Length)
        {
            return false;
        }
        image.Position = offset;
        int total = 0;
        while (total < buffer.Length)
        {
            int read = image.Read(buffer[total..]);
            if (read == 0)
            {
                return false;
            }
            total += read;
        }
        return true;
    }
}
