using System.Globalization;
using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Undoes Go's strconv.Quote, which the linker applies to build settings whose value holds spaces, tabs or quotes
/// (e.g. -ldflags). Input that is not a well-formed quoted string is returned unchanged.
/// </summary>
internal static class GoQuoting
{
    public static string Unquote(string text)
    {
        if (text.Length < 2 || text[0] != '"' || text[^1] != '"')
        {
            return text;
        }
        var result = new StringBuilder(text.Length);
        for (int i = 1; i < text.Length - 1; i++)
        {
            char c = text[i];
            if (c != '\\')
            {
                result.Append(c);
                continue;
            }
            if (++i >= text.Length - 1)
            {
                return text;
            }
            switch (text[i])
            {
                case 'n': result.Append('\n'); break;
                case 't': result.Append('\t'); break;
                case 'r': result.Append('\r'); break;
                case 'a': result.Append('\a'); break;
                case 'b': result.Append('\b'); break;
                case 'f': result.Append('\f'); break;
                case 'v': result.Append('\v'); break;
                case '\\': result.Append('\\'); break;
                case '"': result.Append('"'); break;
                case 'x' when TryHex(text, i + 1, 2, out int x): result.Append((char)x); i += 2; break;
                case 'u' when TryHex(text, i + 1, 4, out int u): result.Append((char)u); i += 4; break;
                default: return text;
            }
        }
        return result.ToString();
    }

    private static bool TryHex(string text, int start, int count, out int value)
    {
        value = 0;
        return start + count <= text.Length - 1
            && int.TryParse(text.AsSpan(start, count), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out value);
    }
}
