using Preflight.Protocol;

namespace Preflight.Checking.Policy;

/// <summary>
/// Rules the pipeline adds on top of the protocol engine's: what it could not verify, and version skew. Same shape as
/// the engine's rules so `rules`, the policy file and the reports treat them alike; <see cref="AllRules"/> lists both.
/// </summary>
public static class CheckRules
{
    public static readonly RuleInfo ConfigUnreadable = new(
        "CONFIG_UNREADABLE", Severity.Warn, "host",
        "A Kata configuration file could not be read or parsed, so the images it names were not checked.");

    public static readonly RuleInfo ImageNotConfigured = new(
        "IMAGE_NOT_CONFIGURED", Severity.Warn, "host",
        "A hypervisor section names neither `image` nor `initrd`, so there is no guest image to check.");

    public static readonly RuleInfo ImageUnreadable = new(
        "IMAGE_UNREADABLE", Severity.Warn, "agent",
        "The guest image is missing, unreadable or malformed: the agent could not be verified.");

    public static readonly RuleInfo AgentNotFound = new(
        "AGENT_NOT_FOUND", Severity.Warn, "agent",
        "No kata-agent was found in the guest image (not at /usr/bin/kata-agent, in kata-agent.service, nor as init).");

    public static readonly RuleInfo RuntimeNotFound = new(
        "RUNTIME_NOT_FOUND", Severity.Warn, "runtime",
        "No runtime binary (containerd-shim-kata-v2, kata-runtime) was found for the configuration.");

    public static readonly RuleInfo RuntimeUnreadable = new(
        "RUNTIME_UNREADABLE", Severity.Warn, "runtime",
        "The runtime binary is unreadable or malformed: the runtime side could not be verified.");

    public static readonly RuleInfo ProtocolUncomparable = new(
        "PROTOCOL_UNCOMPARABLE", Severity.Warn, "both",
        "The two protocols could not be compared (their messages nest past the walker's limit): this pair was not checked, the others were.");

    public static readonly RuleInfo VersionSkewMajor = new(
        "VERSION_SKEW_MAJOR", Severity.Block, "both",
        "Agent and runtime have different major versions: Kata ships them in lock-step and never versioned the protocol.");

    public static readonly RuleInfo VersionSkewMinor = new(
        "VERSION_SKEW_MINOR", Severity.Warn, "both",
        "Agent and runtime have the same major but different minor versions.");

    public static readonly RuleInfo VersionUnknown = new(
        "VERSION_UNKNOWN", Severity.Info, "both",
        "The agent's or the runtime's version could not be read from its binary, so no version policy applied.");

    public static readonly IReadOnlyList<RuleInfo> All =
    [
        ConfigUnreadable, ImageNotConfigured, ImageUnreadable, AgentNotFound, RuntimeNotFound, RuntimeUnreadable,
        ProtocolUncomparable, VersionSkewMajor, VersionSkewMinor, VersionUnknown,
    ];

    public static Finding Make(RuleInfo rule, string subject, string message) => rule.Report(subject, message);
}
