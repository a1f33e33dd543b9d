using System.Net;
using System.Text;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Reports;

/// <summary>
/// The matrix as one self-contained static page: no script, no network, no external assets. Rows are runtimes,
/// columns agents, each cell coloured by its verdict and opening (a &lt;details&gt; element) onto its findings; rows and
/// columns are labelled by name, version and fingerprint. Every text that came from an input is HTML-encoded.
/// </summary>
public static class MatrixHtml
{
    /// <summary>A cell far from compatible (1.x against 3.x) has hundreds of findings; the first ones say enough.</summary>
    private const int MaxFindingsPerCell = 25;

    public static string Write(IReadOnlyList<MatrixCell> cells, IReadOnlyDictionary<string, string> labels, string title, string toolVersion)
    {
        var runtimes = cells.Select(c => c.Runtime).Distinct().ToList();
        var agents = cells.Select(c => c.Agent).Distinct().ToList();
        var byPair = cells.ToDictionary(c => (c.Runtime, c.Agent));
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n")
            .Append("<title>").Append(Encode(title)).Append("</title>\n<style>\n")
            .Append("body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}\n")
            .Append("table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:2px 4px;vertical-align:top}\n")
            .Append("th{background:#f4f4f4;font-weight:600;text-align:left}th small{display:block;font-weight:400;color:#666}\n")
            .Append("thead th{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap}\n")
            .Append("td.pass{background:#c8e6c9}td.warn{background:#ffe082}td.block{background:#ef9a9a}td.unchecked{background:#e0e0e0}\n")
            .Append("summary{cursor:pointer;text-align:center;min-width:1.5em}details[open]{min-width:28em}\n")
            .Append("ul{margin:4px 0;padding-left:16px}li.block{color:#b71c1c}li.warn{color:#8d6e00}li.info{color:#555}\n")
            .Append("</style></head><body>\n")
            .Append("<h1>").Append(Encode(title)).Append("</h1>\n")
            .Append("<p>Rows: runtimes (the client). Columns: agents (the server). Click a cell for its findings. ")
            .Append("<b>P</b> pass, <b>W</b> warn, <b>B</b> block. ")
            .Append(cells.Count(c => c.Verdict == Verdict.Pass)).Append(" pass, ")
            .Append(cells.Count(c => c.Verdict == Verdict.Warn)).Append(" warn, ")
            .Append(cells.Count(c => c.Verdict == Verdict.Block)).Append(" block. ")
            .Append(Encode(toolVersion)).Append(".</p>\n<table>\n<thead><tr><th>runtime \\ agent</th>");
        foreach (string agent in agents)
        {
            html.Append("<th>").Append(Label(agent, labels)).Append("</th>");
        }
        html.Append("</tr></thead>\n<tbody>\n");
        foreach (string runtime in runtimes)
        {
            html.Append("<tr><th>").Append(Label(runtime, labels)).Append("</th>");
            foreach (string agent in agents)
            {
                MatrixCell cell = byPair[(runtime, agent)];
                string verdict = Words.Of(cell.Verdict);
                html.Append("<td class=\"").Append(verdict).Append("\"><details><summary>")
                    .Append(verdict[..1].ToUpperInvariant()).Append("</summary><ul>");
                var shown = cell.Findings.Where(f => f.Severity != Severity.Info).ToList();
                foreach (Finding finding in shown.Take(MaxFindingsPerCell))
                {
                    html.Append("<li class=\"").Append(Words.Of(finding.Severity)).Append("\"><b>")
                        .Append(Encode(finding.Rule)).Append("</b> ").Append(Encode(finding.Subject)).Append(": ")
                        .Append(Encode(finding.Message)).Append("</li>");
                }
                if (shown.Count > MaxFindingsPerCell)
                {
                    html.Append("<li>... and ").Append(shown.Count - MaxFindingsPerCell).Append(" more (matrix --format json lists them all)</li>");
                }
                if (shown.Count == 0)
                {
                    html.Append("<li>no warning or block</li>");
                }
                html.Append("</ul></details></td>");
            }
            html.Append("</tr>\n");
        }
        html.Append("</tbody></table>\n<p>").Append(Encode(ReleaseCatalog.Provenance)).Append(" (release catalog).</p>\n</body></html>\n");
        return html.ToString();
    }

    private static string Label(string name, IReadOnlyDictionary<string, string> labels) =>
        Encode(name) + (labels.TryGetValue(name, out string? detail) ? "<small>" + Encode(detail) + "</small>" : "");

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
