using System.Text.Json;
using Preflight.Protocol;

namespace Preflight.Cli.Reports;

/// <summary>One JSON shape for a finding, wherever a report lists findings.</summary>
public static class FindingJson
{
    /// <summary>Writes one finding object; <paramref name="context"/> adds properties such as the configuration it belongs to.</summary>
    public static void WriteFinding(Utf8JsonWriter writer, Finding finding, Action<Utf8JsonWriter>? context = null)
    {
        writer.WriteStartObject();
        writer.WriteString("rule", finding.Rule);
        writer.WriteString("severity", Words.Of(finding.Severity));
        writer.WriteString("subject", finding.Subject);
        writer.WriteString("message", finding.Message);
        if (finding.Direction is string direction)
        {
            writer.WriteString("direction", direction);
        }
        if (finding.Suppressed is string reason)
        {
            writer.WriteString("suppressed", reason);
        }
        context?.Invoke(writer);
        writer.WriteEndObject();
    }

    public static void WriteFindings(Utf8JsonWriter writer, string name, IEnumerable<Finding> findings)
    {
        writer.WriteStartArray(name);
        foreach (Finding finding in findings)
        {
            WriteFinding(writer, finding);
        }
        writer.WriteEndArray();
    }
}
