using System.Text.Json;
using Preflight.Protocol;

namespace Preflight.Tests;

/// <summary>
/// Our field-level findings against buf's WIRE breaking checks on the same case pairs (recorded by make.sh).
/// buf's "NEW --against OLD" asks whether NEW can read what OLD wrote; so "agent-against-runtime" is our forward
/// request direction (the agent reads what the runtime sends) and "runtime-against-agent" our reverse one.
/// "Flags" means a Warn or Block finding for us, and any reported change for buf.
/// </summary>
public class BufComparisonTests
{
    /// <summary>Where we disagree with buf on purpose: (forward differs, reverse differs) and why.</summary>
    private static readonly Dictionary<string, (bool Forward, bool Reverse)> Differences = new()
    {
        // Protobuf documents int32/uint32/int64/uint64/bool as compatible and buf follows it; we warn because values
        // change in transit (negative ↔ huge, truncation above 32 bits, collapse to true/false). A 32-bit sender to a
        // 64-bit receiver is only info for us, so the width reverse direction agrees with buf.
        ["FIELD_SIGNEDNESS_CHANGED"] = (true, true),
        ["FIELD_WIDTH_CHANGED"] = (true, false),
        ["FIELD_BOOL_INTEGER_CHANGED"] = (true, true),
        // buf reports enum ↔ int32; proto3 enums are open, every number survives, so we only inform.
        ["FIELD_ENUM_INTEGER_CHANGED"] = (true, true),
        // Direction: a singular sender to a repeated receiver just yields a one-element list (info for us); buf
        // reports any cardinality change.
        ["FIELD_CARDINALITY_CHANGED"] = (false, true),
        // Direction: buf treats every message as read by the new side; we know the response is written by the agent,
        // so a response field the runtime lacks costs nothing in the reverse pairing.
        ["FIELD_UNKNOWN_TO_RECEIVER"] = (false, true),
    };

    public static TheoryData<string> FieldLevelCases()
    {
        var data = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(TestData.Path("protocols", "cases")).Order(StringComparer.Ordinal))
        {
            string rule = Path.GetFileName(dir);
            if (rule.StartsWith("FIELD_", StringComparison.Ordinal) || rule.StartsWith("ENUM_", StringComparison.Ordinal))
            {
                data.Add(rule);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(FieldLevelCases))]
    public void AgreesWithBufExceptWhereDocumented(string rule)
    {
        var runtime = Fixtures.Case(rule, "runtime");
        var agent = Fixtures.Case(rule, "agent");
        bool oursForward = Flags(CompatibilityChecker.Compare(runtime, agent, CompatibilityOptions.Default));
        bool oursReverse = Flags(CompatibilityChecker.Compare(agent, runtime, CompatibilityOptions.Default));
        bool bufForward = BufTypes(rule, "agent-against-runtime").Count > 0;
        bool bufReverse = BufTypes(rule, "runtime-against-agent").Count > 0;
        var (forwardDiffers, reverseDiffers) = Differences.GetValueOrDefault(rule);
        Assert.True(forwardDiffers == (oursForward != bufForward), $"{rule} forward: ours {oursForward}, buf {bufForward}");
        Assert.True(reverseDiffers == (oursReverse != bufReverse), $"{rule} reverse: ours {oursReverse}, buf {bufReverse}");
    }

    [Fact]
    public void BufSeesTheWireTypeChangeWeBlock()
    {
        Assert.Contains("FIELD_WIRE_COMPATIBLE_TYPE", BufTypes("FIELD_WIRE_TYPE_CHANGED", "agent-against-runtime"));
        Assert.Contains("FIELD_WIRE_COMPATIBLE_TYPE", BufTypes("FIELD_ZIGZAG_CHANGED", "agent-against-runtime"));
        Assert.Contains("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", BufTypes("FIELD_UNKNOWN_TO_RECEIVER", "agent-against-runtime"));
    }

    private static bool Flags(IEnumerable<Finding> findings) => findings.Any(f => f.Severity >= Severity.Warn);

    /// <summary>buf writes one JSON object per line; an empty file means no breaking change.</summary>
    private static List<string> BufTypes(string rule, string direction)
    {
        string path = TestData.Generated("protocols", "buf", $"{rule}.{direction}.json");
        var types = new List<string>();
        foreach (string line in File.ReadAllLines(path).Where(l => l.Trim().Length > 0))
        {
            using var json = JsonDocument.Parse(line);
            types.Add(json.RootElement.GetProperty("type").GetString()!);
        }
        return types;
    }
}
