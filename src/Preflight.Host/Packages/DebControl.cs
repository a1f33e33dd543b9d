using System.Text;

namespace Preflight.Host.Packages;

/// <summary>
/// Parses a deb "control" file (deb-control(5)): "Field: value" lines, continuation lines starting with a space
/// or tab, field names case-insensitive. Only the first paragraph is read.
/// </summary>
internal static class DebControl
{
    public static Dictionary<string, string> Parse(ReadOnlySpan<byte> content, string file)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        string? current = null;
        int lineNumber = 0;
        foreach (string rawLine in Encoding.UTF8.GetString(content).Split('\n'))
        {
            lineNumber++;
            string line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
            {
                if (fields.Count > 0)
                {
                    break; // end of the first paragraph
                }
                continue;
            }
            if (line[0] == ' ' || line[0] == '\t')
            {
                if (current is null)
                {
                    throw new PackageFormatException(file, null, $"control line {lineNumber} continues a field that was never started");
                }
                fields[current] = fields[current] + "\n" + line.Trim();
                continue;
            }
            if (line[0] == '#')
            {
                continue;
            }
            int colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new PackageFormatException(file, null, $"control line {lineNumber} is not \"Field: value\": {Shorten(line)}");
            }
            current = line[..colon].Trim();
            fields[current] = line[(colon + 1)..].Trim();
        }
        return fields;
    }

    private static string Shorten(string line) => line.Length <= 60 ? line : line[..60] + "...";
}
