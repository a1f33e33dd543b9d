using System.Text.RegularExpressions;
using Preflight.Protocol;

namespace Preflight.Checking.Policy;

/// <summary>
/// The documented version rule: the same major.minor passes; a different minor within one major is a
/// VERSION_SKEW_MINOR (warn by default); a different major is VERSION_SKEW_MAJOR (block by default, since Kata
/// never versioned its protocol and ships runtime and agent in lock-step). Patch levels and suffixes are ignored.
/// </summary>
public static partial class VersionPolicy
{
    public static Finding? Evaluate(string? agentVersion, string? runtimeVersion, PreflightPolicy policy)
    {
        (int Major, int Minor)? agent = Parse(agentVersion);
        (int Major, int Minor)? runtime = Parse(runtimeVersion);
        if (agent is null || runtime is null)
        {
            string missing = (agent, runtime) switch
            {
                (null, null) => "neither the agent's nor the runtime's version",
                (null, _) => "the agent's version",
                _ => "the runtime's version",
            };
            return CheckRules.Make(CheckRules.VersionUnknown, "version",
                $"{missing} could not be read from the binary; the protocol comparison still applies");
        }

        string pair = $"agent {agentVersion}, runtime {runtimeVersion}";
        if (agent.Value.Major != runtime.Value.Major)
        {
            return policy.MajorSkew is Severity severity
                ? new Finding(CheckRules.VersionSkewMajor.Id, severity, "version",
                    $"{pair}: different major versions; install the guest image that ships with this runtime")
                : null;
        }
        if (agent.Value.Minor != runtime.Value.Minor)
        {
            return policy.MinorSkew is Severity severity
                ? new Finding(CheckRules.VersionSkewMinor.Id, severity, "version",
                    $"{pair}: different minor versions; Kata releases agent and runtime together")
                : null;
        }
        return null;
    }

    /// <summary>"3.2.0", "3.2.0-rc0", "v2.4.1", "1.12.1-abc123" → (major, minor); null when not a version.</summary>
    public static (int Major, int Minor)? Parse(string? version)
    {
        if (version is null)
        {
            return null;
        }
        Match match = VersionPattern().Match(version);
        return match.Success
            ? (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
               int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    [GeneratedRegex(@"^v?(\d{1,4})\.(\d{1,4})(?:\.\d{1,6})?(?:[-+.~][0-9A-Za-z.+~-]*)?$")]
    private static partial Regex VersionPattern();
}
