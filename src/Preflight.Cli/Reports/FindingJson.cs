using System.Text.Json;
using Preflight.Protocol;

namespace Preflight.Cli.Reports;

public static class FindingJson
{
    public static void WriteFindings(Utf8JsonWriter writer, string name, IEnumerable<Finding> findings)
    {
        writer.WriteStartArray(name);
        foreach (Finding finding in findings)
        {
            writer.WriteStartObject();
            writer.WriteString("rule", finding.Rule);
            writer.WriteString("severity", Words.Of(finding.Severity));
            writer.WriteString("subject", finding.Subject);
            writer.WriteString("message", finding.Message);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
    }
}
