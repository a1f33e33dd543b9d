using Preflight.Protocol;

namespace Preflight.Checking.Policy;

/// <summary>
/// The one rule catalogue: every rule kata-preflight can report, with its ID, default severity, direction and meaning.
/// The protocol engine's rules (pair rules and resolution rules, Protocol's <see cref="RuleCatalog"/>) and the
/// pipeline's (<see cref="CheckRules"/>) are defined next to the code that fires them; this is the list `rules`, the
/// policy file, `--ignore` and SARIF read. It lives in Checking, the lowest layer that sees both, so Protocol never
/// learns of hosts and images.
/// </summary>
public static class AllRules
{
    /// <summary>Every rule, sorted by ID.</summary>
    public static IReadOnlyList<RuleInfo> List { get; } =
        RuleCatalog.All.Concat(CheckRules.All).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
}
