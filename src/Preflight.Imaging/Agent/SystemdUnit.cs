namespace Preflight.Imaging.Agent;

/// <summary>
/// Just enough of systemd's unit syntax to find the binary a service runs: the [Service] section's ExecStart=
/// (the last one wins; an empty one resets the list), backslash line continuations, and the command prefixes
/// "-", "@", ":", "+", "!" and "!!" that change how systemd runs the command but not which binary.
/// </summary>
public static class SystemdUnit
{
    /// <summary>The binary the last ExecStart= runs, or null when the unit has none.</summary>
    public static string? ExecStartBinary(string unitText)
    {
        string? command = null;
        string section = "";
        foreach (string line in LogicalLines(unitText))
        {
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed[0] is '#' or ';')
            {
                continue;
            }
            if (trimmed.StartsWith('[') && trimmed.EndsWith(']'))
            {
                section = trimmed[1..^1].Trim();
                continue;
            }
            int equals = trimmed.IndexOf('=');
            if (section != "Service" || equals < 0 || trimmed[..equals].Trim() != "ExecStart")
            {
                continue;
            }
            string value = trimmed[(equals + 1)..].Trim();
            command = value.Length == 0 ? null : value;
        }
        return command is null ? null : FirstWord(StripPrefixes(command));
    }

    private static string StripPrefixes(string command)
    {
        int i = 0;
        while (i < command.Length && command[i] is '-' or '@' or ':' or '+' or '!')
        {
            i++;
        }
        return command[i..].TrimStart();
    }

    private static string? FirstWord(string command)
    {
        if (command.Length == 0)
        {
            return null;
        }
        if (command[0] is '"' or '\'')
        {
            int close = command.IndexOf(command[0], 1);
            return close > 1 ? command[1..close] : null;
        }
        int space = command.IndexOfAny([' ', '\t']);
        return space < 0 ? command : command[..space];
    }

    /// <summary>Joins lines ending in a backslash with the next, as systemd does.</summary>
    private static IEnumerable<string> LogicalLines(string text)
    {
        var current = new System.Text.StringBuilder();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.EndsWith('\\'))
            {
                current.Append(line, 0, line.Length - 1).Append(' ');
                continue;
            }
            current.Append(line);
            yield return current.ToString();
            current.Clear();
        }
        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }
}
