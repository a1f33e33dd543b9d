namespace Preflight.Checking;

/// <summary>
/// A command line or policy that parses but names something kata-preflight does not know (a rule, a service) or
/// combines options that make no sense together (exit 2). Not an input error: the user's words are at fault, not a
/// file's bytes, and a typo must never silently loosen a check.
/// </summary>
public sealed class UsageException(string message) : Exception(message);
