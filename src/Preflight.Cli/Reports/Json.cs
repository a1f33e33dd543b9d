using System.Text.Encodings.Web;
using System.Text.Json;

namespace Preflight.Cli.Reports;

/// <summary>
/// Writes JSON with Utf8JsonWriter: no reflection (NativeAOT-clean), keys in the order a reader expects,
/// indented, and "null" written explicitly so a missing fact reads as missing rather than forgotten.
/// </summary>
public static class Json
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            body(writer);
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static void StringOrNull(this Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }

    /// <summary>An object property built by <paramref name="body"/>, or an explicit null when the fact is absent.</summary>
    public static void ObjectOrNull<T>(this Utf8JsonWriter writer, string name, T? value, Action<Utf8JsonWriter, T> body)
        where T : class
    {
        if (value is null)
        {
            writer.WriteNull(name);
            return;
        }
        writer.WriteStartObject(name);
        body(writer, value);
        writer.WriteEndObject();
    }

    public static void StringArray(this Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }
        writer.WriteEndArray();
    }
}
