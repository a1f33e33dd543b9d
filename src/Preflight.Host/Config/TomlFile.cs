using Preflight.Formats;
using Tomlyn;
using Tomlyn.Model;
using Tomlyn.Parsing;
using Tomlyn.Serialization;

namespace Preflight.Host.Config;

/// <summary>Parses a TOML document into Tomlyn's table model, turning syntax errors into one line with a position.</summary>
public static class TomlFile
{
    /// <summary>Kata's files are a few KiB; anything far larger is not a configuration file.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    /// <summary>
    /// Tables and arrays nested deeper than this are refused. It is Tomlyn's own limit (TomlSerializerOptions.MaxDepth,
    /// 64); Kata's files nest three or four levels, so nothing real comes near it.
    /// </summary>
    public const int MaxDepth = 64;

    public static TomlTable Parse(string text, string displayName)
    {
        try
        {
            var document = SyntaxParser.Parse(text, displayName, false);
            if (document.HasErrors)
            {
                var first = document.Diagnostics.First(d => d.Kind == Tomlyn.Syntax.DiagnosticMessageKind.Error);
                throw new HostConfigException(displayName, "TOML syntax error: " + first.Message,
                    first.Span.Start.Line + 1, first.Span.Start.Column + 1);
            }
            return TomlSerializer.Deserialize(text, TomlTableContext.Default.TomlTable)
                ?? throw new HostConfigException(displayName, "empty TOML document");
        }
        catch (TomlException e) when (e.Message.Contains("maximum depth", StringComparison.Ordinal))
        {
            // Tomlyn reports nesting past its limit with its own advice ("Change TomlSerializerOptions.MaxDepth"),
            // which is for a programmer, not for the admin whose file this is.
            throw new HostConfigException(displayName, $"TOML nested deeper than {MaxDepth} levels", e.Line, e.Column, e);
        }
        catch (TomlException e)
        {
            throw new HostConfigException(displayName, "invalid TOML: " + e.Message, e.Line, e.Column, e);
        }
        catch (ArgumentOutOfRangeException e) when (e.ParamName == "utf32")
        {
            // Tomlyn's lexer turns the end of the text into a character when a string's escape is cut off there
            // (`a = "\` as the last bytes) and char.ConvertFromUtf32 refuses it: bad input, not a bug of ours. Only
            // that parameter is caught, so any other exception from Tomlyn still surfaces as one; the inner exception
            // is left out, since a bug type inside an input error is what the robustness tests look for. Found by
            // fuzzing.
            throw new HostConfigException(displayName, "invalid TOML: an escape sequence in a string is cut off by the end of the file");
        }
    }

    /// <summary>Reads and parses a file, bounded in size.</summary>
    public static TomlTable Load(string realPath, string displayName)
    {
        if (InputFile.Refusal(realPath) is string refusal)
        {
            throw new HostConfigException(displayName, refusal);
        }
        try
        {
            var info = new FileInfo(realPath);
            if (info.Length > MaxBytes)
            {
                throw new HostConfigException(displayName, $"file is {info.Length} bytes, more than a configuration file can be ({MaxBytes})");
            }
            return Parse(File.ReadAllText(realPath), displayName);
        }
        catch (IOException e)
        {
            throw new HostConfigException(displayName, "cannot read: " + e.Message, inner: e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new HostConfigException(displayName, "permission denied: " + e.Message, inner: e);
        }
    }

    public static string? GetString(TomlTable table, string key) =>
        table.TryGetValue(key, out object? value) && value is string s ? s : null;

    public static TomlTable? GetTable(TomlTable table, string key) =>
        table.TryGetValue(key, out object? value) ? value as TomlTable : null;

    public static IReadOnlyList<string> GetStringList(TomlTable table, string key) =>
        table.TryGetValue(key, out object? value) && value is TomlArray array
            ? array.OfType<string>().ToList()
            : [];
}

[TomlSerializable(typeof(TomlTable))]
internal sealed partial class TomlTableContext : TomlSerializerContext
{
}
