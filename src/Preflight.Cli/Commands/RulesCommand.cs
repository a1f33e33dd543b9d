using System.CommandLine;
using Preflight.Checking.Policy;
using Preflight.Cli.Reports;
using Preflight.Protocol;

namespace Preflight.Cli.Commands;

/// <summary>`kata-preflight rules`: every rule with its ID, default severity, direction and meaning.</summary>
public static class RulesCommand
{
    public static Command Build(CliIo io)
    {
        var format = CommonOptions.Format("text", "json", "markdown");
        var command = new Command("rules", "List every rule: ID, default severity, direction, meaning.") { format };
        command.SetAction(parse =>
        {
            IReadOnlyList<RuleInfo> rules = AllRules.List;
            switch (parse.GetValue(format))
            {
                case "json":
                    io.Out.WriteLine(Json.Write(w =>
                    {
                        w.WriteStartArray();
                        foreach (RuleInfo rule in rules)
                        {
                            w.WriteStartObject();
                            w.WriteString("id", rule.Id);
                            w.WriteString("severity", Words.Of(rule.DefaultSeverity));
                            w.WriteString("direction", rule.Direction);
                            w.WriteString("summary", rule.Summary);
                            w.WriteEndObject();
                        }
                        w.WriteEndArray();
                    }));
                    break;
                case "markdown":
                    io.Out.WriteLine("| rule | default | direction | meaning |");
                    io.Out.WriteLine("| --- | --- | --- | --- |");
                    foreach (RuleInfo rule in rules)
                    {
                        io.Out.WriteLine($"| `{rule.Id}` | {Words.Of(rule.DefaultSeverity)} | {rule.Direction} | {rule.Summary.Replace("|", "\\|", StringComparison.Ordinal)} |");
                    }
                    break;
                default:
                    int width = rules.Max(r => r.Id.Length);
                    foreach (RuleInfo rule in rules)
                    {
                        io.Out.WriteLine($"{rule.Id.PadRight(width)}  {Words.Of(rule.DefaultSeverity),-5}  {rule.Direction,-8}  {rule.Summary}");
                    }
                    break;
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
