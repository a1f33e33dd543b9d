using Preflight.Formats;

namespace Preflight.Checking;

/// <summary>The one check every named input goes through before anything opens it.</summary>
public static class InputFiles
{
    /// <summary>
    /// The path, or an InputException (exit 3) naming it when it is not an existing regular file. A FIFO or a
    /// character device (/dev/zero) is refused here, before anything opens it: reading one would hang or never end.
    /// Block devices are accepted only where a guest image may be one (--image, diff's SRC).
    /// </summary>
    public static string Require(string path, bool allowBlockDevice = false)
    {
        if (!File.Exists(path))
        {
            throw new InputException(path, Directory.Exists(path) ? "is a directory, not a file" : "no such file");
        }
        return InputFile.Refusal(path, allowBlockDevice) is string refusal ? throw new InputException(path, refusal) : path;
    }
}
