namespace Preflight.Checking.Policy;

/// <summary>
/// Whether a package hook's block verdict stops the package operation, and why, so the hook can tell the admin
/// how to change it. Blocking is the default (an incompatible pair must not be installed silently); the admin turns
/// it off in the policy file (<c>[hooks] enforce = false</c>) or for one run with KATA_PREFLIGHT_ENFORCE=0, which
/// beats the file in both directions, as an environment variable for one command should.
/// </summary>
public sealed record Enforcement(bool On, string Reason, string? Warning)
{
    public const string Variable = "KATA_PREFLIGHT_ENFORCE";

    public static Enforcement Decide(PreflightPolicy policy, string? variable, string policySource) => variable switch
    {
        "0" => new(false, $"{Variable}=0 for this run", null),
        "1" => new(true, $"{Variable}=1 for this run", null),
        null or "" => FromPolicy(policy, policySource, null),
        // An unclear switch must neither loosen nor tighten what the admin wrote down: say so and use the policy.
        _ => FromPolicy(policy, policySource, $"{Variable}='{variable}' is neither 0 nor 1; ignored"),
    };

    public static Enforcement FromEnvironment(PreflightPolicy policy, string policySource) =>
        Decide(policy, Environment.GetEnvironmentVariable(Variable), policySource);

    private static Enforcement FromPolicy(PreflightPolicy policy, string policySource, string? warning) => policy.HooksEnforce
        ? new(true, "the default", warning)
        : new(false, $"[hooks] enforce = false in {policySource}", warning);
}
