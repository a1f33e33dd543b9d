namespace Preflight.Checking;

/// <summary>"did you mean ...?" for a name the user typed that the tool does not know.</summary>
public static class Suggestions
{
    /// <summary>" (did you mean 'X'?)" for the closest known name within a third of its length, else "".</summary>
    public static string DidYouMean(string typed, IEnumerable<string> known)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string candidate in known)
        {
            int distance = Distance(typed.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? $" (did you mean '{best}'?)" : "";
    }

    /// <summary>Levenshtein distance; names here are short, so the quadratic table is fine.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
