using Preflight.Host;
using Preflight.Host.Config;
using Preflight.Protocol;
using Tomlyn.Model;

namespace Preflight.Checking.Policy;

/// <summary>When the command fails: on a blocking finding (default), on any warning, or never (report only).</summary>
public enum FailOn
{
    Block,
    Warn,
    Never,
}

/// <summary>
/// What the admin decided: severities per rule, rules to ignore (like kubeadm's --ignore-preflight-errors), the
/// RPCs a sandbox cannot start without, and how much version skew to accept. Read from a TOML policy file and the
/// command line; every field has Kata's default.
/// </summary>
public sealed record PreflightPolicy(
    FailOn FailOn,
    IReadOnlySet<string> Ignored,
    IReadOnlyDictionary<string, Severity> SeverityOverrides,
    CompatibilityOptions Compatibility,
    Severity? MinorSkew,
    Severity? MajorSkew)
{
    public const string DefaultPath = "/etc/kata-preflight/policy.toml";

    /// <summary>The keys a policy file may have at its top level (the man page's POLICY section lists exactly these).</summary>
    public static readonly IReadOnlyList<string> TopLevelKeys = ["fail-on", "ignore", "severity", "protocol", "versions", "hooks"];

    /// <summary>
    /// `[hooks] enforce`: whether a block verdict stops a package operation (APT hook, Kata's postinst/%posttrans).
    /// On unless the admin turned it off; KATA_PREFLIGHT_ENFORCE beats it for one run (see <see cref="Enforcement"/>).
    /// </summary>
    public bool HooksEnforce { get; init; } = true;

    public static PreflightPolicy Default { get; } = new(
        FailOn.Block,
        new HashSet<string>(StringComparer.Ordinal),
        new Dictionary<string, Severity>(StringComparer.Ordinal),
        CompatibilityOptions.Default,
        CheckRules.VersionSkewMinor.DefaultSeverity,
        CheckRules.VersionSkewMajor.DefaultSeverity);

    /// <summary>
    /// Applies the policy to one finding: its severity as the admin set it, and when the admin ignores its rule, marked
    /// as suppressed (it stays in every report and no longer counts). "ALL" ignores everything, as kubeadm's flag does.
    /// </summary>
    public Finding Apply(Finding finding)
    {
        Finding judged = SeverityOverrides.TryGetValue(finding.Rule, out Severity severity) ? finding with { Severity = severity } : finding;
        if (Ignored.Contains(finding.Rule))
        {
            return judged with { Suppressed = $"{finding.Rule} is ignored by the policy or --ignore" };
        }
        return Ignored.Contains("ALL") ? judged with { Suppressed = "ALL rules are ignored by the policy or --ignore" } : judged;
    }

    /// <summary>Every name `ignore` and `[severity]` accept: the rule IDs and ALL.</summary>
    public static IReadOnlyList<string> KnownRuleNames => [.. AllRules.List.Select(r => r.Id), "ALL"];

    /// <summary>--ignore and --fail-on over the policy. An unknown rule is a usage error: a typo must not loosen a check.</summary>
    public PreflightPolicy WithCommandLine(IEnumerable<string> ignore, FailOn? failOn)
    {
        var ignored = new HashSet<string>(Ignored, StringComparer.Ordinal);
        foreach (string rule in ignore.SelectMany(i => i.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            string id = rule.ToUpperInvariant();
            if (!KnownRuleNames.Contains(id, StringComparer.Ordinal))
            {
                throw new UsageException($"--ignore: unknown rule '{rule}'{Suggestions.DidYouMean(rule, KnownRuleNames)}; `kata-preflight rules` lists them");
            }
            ignored.Add(id);
        }
        return this with { Ignored = ignored, FailOn = failOn ?? FailOn };
    }

    /// <summary>
    /// Reads a policy file. Unknown keys and rule IDs are errors: a typo in a policy must not silently loosen it.
    /// </summary>
    public static PreflightPolicy Load(string realPath, string displayName)
    {
        TomlTable table = TomlFile.Load(realPath, displayName);
        var known = new HashSet<string>(AllRules.List.Select(r => r.Id), StringComparer.Ordinal) { "ALL" };
        PreflightPolicy policy = Default;

        foreach (KeyValuePair<string, object> entry in table)
        {
            switch (entry.Key)
            {
                case "fail-on":
                    policy = policy with { FailOn = ParseFailOn(entry.Value as string, displayName) };
                    break;
                case "ignore":
                    var ignored = new HashSet<string>(StringComparer.Ordinal);
                    foreach (string id in TomlFile.GetStringList(table, "ignore"))
                    {
                        ignored.Add(RequireRule(id, known, displayName));
                    }
                    policy = policy with { Ignored = ignored };
                    break;
                case "severity":
                    var overrides = new Dictionary<string, Severity>(StringComparer.Ordinal);
                    foreach (KeyValuePair<string, object> rule in AsTable(entry.Value, "severity", displayName))
                    {
                        overrides[RequireRule(rule.Key, known, displayName)] = ParseSeverity(rule.Value as string, displayName, "severity." + rule.Key);
                    }
                    policy = policy with { SeverityOverrides = overrides };
                    break;
                case "protocol":
                    policy = policy with { Compatibility = ReadProtocol(AsTable(entry.Value, "protocol", displayName), policy.Compatibility, displayName) };
                    break;
                case "versions":
                    TomlTable versions = AsTable(entry.Value, "versions", displayName);
                    foreach (KeyValuePair<string, object> v in versions)
                    {
                        Severity? severity = v.Value as string == "pass" ? null : ParseSeverity(v.Value as string, displayName, "versions." + v.Key);
                        policy = v.Key switch
                        {
                            "minor-skew" => policy with { MinorSkew = severity },
                            "major-skew" => policy with { MajorSkew = severity },
                            _ => throw new HostConfigException(displayName, $"unknown key versions.{v.Key} (expected minor-skew, major-skew)"),
                        };
                    }
                    break;
                case "hooks":
                    foreach (KeyValuePair<string, object> h in AsTable(entry.Value, "hooks", displayName))
                    {
                        policy = h.Key switch
                        {
                            "enforce" => policy with { HooksEnforce = h.Value as bool? ?? throw new HostConfigException(displayName, $"hooks.enforce must be true or false, not '{h.Value}'") },
                            _ => throw new HostConfigException(displayName, $"unknown key hooks.{h.Key} (expected enforce)"),
                        };
                    }
                    break;
                default:
                    throw new HostConfigException(displayName,
                        $"unknown key '{entry.Key}' (expected {string.Join(", ", TopLevelKeys)})");
            }
        }
        return policy;
    }

    /// <summary>
    /// [protocol]: services and RPCs must be names Kata's protocol has at some release (the shipped catalog); a typo
    /// such as "grpc.AgentServce" would otherwise compare nothing and pass.
    /// </summary>
    private static CompatibilityOptions ReadProtocol(TomlTable protocol, CompatibilityOptions options, string displayName)
    {
        foreach (KeyValuePair<string, object> entry in protocol)
        {
            options = entry.Key switch
            {
                "expected-services" => options with
                {
                    ExpectedServices = RequireKnown(TomlFile.GetStringList(protocol, entry.Key), KnownNames.Services, displayName, "protocol.expected-services", "service"),
                },
                "required-rpcs" => options with
                {
                    RequiredRpcs = RequireKnown(TomlFile.GetStringList(protocol, entry.Key), KnownNames.Rpcs, displayName, "protocol.required-rpcs", "RPC"),
                },
                _ => throw new HostConfigException(displayName, $"unknown key protocol.{entry.Key} (expected expected-services, required-rpcs)"),
            };
        }
        return options;
    }

    private static HashSet<string> RequireKnown(IEnumerable<string> names, IReadOnlySet<string> known, string displayName, string key, string what)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (!known.Contains(name))
            {
                throw new UsageException($"{displayName}: {key}: '{name}' is no {what} of Kata's protocol at any release{Suggestions.DidYouMean(name, known)}");
            }
            result.Add(name);
        }
        return result;
    }

    /// <summary>Every service and RPC ("grpc.AgentService/CreateSandbox") of Kata's protocol at any release.</summary>
    private static class KnownNames
    {
        public static readonly IReadOnlySet<string> Services = Protocol.Catalog.ReleaseCatalog.Default.Protocols
            .SelectMany(p => Protocol.Catalog.ReleaseCatalog.Default.Surface(p).Services.Keys).ToHashSet(StringComparer.Ordinal);

        public static readonly IReadOnlySet<string> Rpcs = Protocol.Catalog.ReleaseCatalog.Default.Protocols
            .SelectMany(p => Protocol.Catalog.ReleaseCatalog.Default.Surface(p).Services.Values)
            .SelectMany(s => s.Methods.Select(m => m.FullName)).ToHashSet(StringComparer.Ordinal);
    }

    private static TomlTable AsTable(object value, string key, string displayName) =>
        value as TomlTable ?? throw new HostConfigException(displayName, $"'{key}' must be a table");

    private static string RequireRule(string id, HashSet<string> known, string displayName) =>
        known.Contains(id) ? id : throw new UsageException($"{displayName}: unknown rule '{id}'{Suggestions.DidYouMean(id, known)} (see `kata-preflight rules`)");

    public static FailOn ParseFailOn(string? value, string source) => value switch
    {
        "block" => FailOn.Block,
        "warn" => FailOn.Warn,
        "never" => FailOn.Never,
        _ => throw new HostConfigException(source, $"fail-on must be block, warn or never, not '{value}'"),
    };

    public static Severity ParseSeverity(string? value, string source, string key) => value switch
    {
        "info" => Severity.Info,
        "warn" => Severity.Warn,
        "block" => Severity.Block,
        _ => throw new HostConfigException(source, $"{key} must be info, warn or block, not '{value}'"),
    };
}
