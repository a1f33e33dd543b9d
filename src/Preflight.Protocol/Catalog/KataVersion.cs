using System.Globalization;

namespace Preflight.Protocol.Catalog;

/// <summary>A release number as Kata tags it ("2.2.0", "3.32.0"); ordering is numeric, part by part.</summary>
public readonly record struct KataVersion(int Major, int Minor, int Patch) : IComparable<KataVersion>
{
    public int CompareTo(KataVersion other) =>
        Major != other.Major ? Major.CompareTo(other.Major)
        : Minor != other.Minor ? Minor.CompareTo(other.Minor)
        : Patch.CompareTo(other.Patch);

    public static bool operator <(KataVersion a, KataVersion b) => a.CompareTo(b) < 0;

    public static bool operator >(KataVersion a, KataVersion b) => a.CompareTo(b) > 0;

    public static bool operator <=(KataVersion a, KataVersion b) => a.CompareTo(b) <= 0;

    public static bool operator >=(KataVersion a, KataVersion b) => a.CompareTo(b) >= 0;

    public override string ToString() => $"{Major}.{Minor}.{Patch}";

    /// <summary>
    /// "2.2.0" or "v2.2.0", optionally followed by "-" and a git commit hash (1.x agents state "1.12.1-abc1234");
    /// anything else (a pre-release "3.3.0-rc0", two parts) is not a release number, because the catalog must never
    /// stand in for a build it does not describe.
    /// </summary>
    public static KataVersion? ParseRelease(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        int dash = text.IndexOf('-');
        if (dash >= 0)
        {
            string suffix = text[(dash + 1)..];
            if (suffix.Length is < 7 or > 40 || !suffix.All(char.IsAsciiHexDigitLower))
            {
                return null;
            }
            text = text[..dash];
        }
        string[] parts = (text.StartsWith('v') ? text[1..] : text).Split('.');
        if (parts.Length != 3)
        {
            return null;
        }
        var numbers = new int[3];
        for (int i = 0; i < 3; i++)
        {
            if (parts[i].Length is 0 or > 6 || !parts[i].All(char.IsAsciiDigit)
                || !int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out numbers[i]))
            {
                return null;
            }
        }
        return new KataVersion(numbers[0], numbers[1], numbers[2]);
    }
}
