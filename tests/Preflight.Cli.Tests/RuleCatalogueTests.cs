using System.Text.Json;
using Preflight.Binaries;
using Preflight.Checking.Policy;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Tests;

/// <summary>
/// The one rule catalogue (<see cref="AllRules"/>), held to what the program does: every rule ID in it has a case
/// here, and running that case makes the rule fire. The cases run kata-preflight itself (`diff`, `check`, `matrix`)
/// on fixtures made by real tools, or, where only a binary's facts with one part taken away can show a rule (a
/// binary without its version), the library call `check` makes on those facts.
/// </summary>
public class RuleCatalogueTests
{
    private static string Case(string rule, string side) => TestData.Generated("protocols", "cases", $"{rule}.{side}.binpb");

    private static string History(string version) => TestData.Generated("protocols", "history", version + ".binpb");

    private static string Binary(string name) => TestData.Generated("binaries", name);

    private static string RealBuild(string name) => TestData.Generated("real-builds", name);

    private static string RuleFixture(string name) => TestData.Generated("rules", name);

    /// <summary>Rule ID → the case that makes it fire, returning every rule ID the case reported.</summary>
    private static readonly Dictionary<string, Func<IReadOnlySet<string>>> Cases = new(StringComparer.Ordinal)
    {
        // Protocol rules with a .proto pair of their own (testdata/protocols/cases/RULE), compared by `diff`.
        ["ENUM_VALUE_RENAMED"] = () => DiffCase("ENUM_VALUE_RENAMED"),
        ["ENUM_VALUE_UNKNOWN_TO_RECEIVER"] = () => DiffCase("ENUM_VALUE_UNKNOWN_TO_RECEIVER"),
        ["FIELD_BOOL_INTEGER_CHANGED"] = () => DiffCase("FIELD_BOOL_INTEGER_CHANGED"),
        ["FIELD_CARDINALITY_CHANGED"] = () => DiffCase("FIELD_CARDINALITY_CHANGED"),
        ["FIELD_ENUM_INTEGER_CHANGED"] = () => DiffCase("FIELD_ENUM_INTEGER_CHANGED"),
        ["FIELD_FLOAT_INTEGER_CHANGED"] = () => DiffCase("FIELD_FLOAT_INTEGER_CHANGED"),
        ["FIELD_MESSAGE_BYTES_CHANGED"] = () => DiffCase("FIELD_MESSAGE_BYTES_CHANGED"),
        ["FIELD_MESSAGE_TYPE_CHANGED"] = () => DiffCase("FIELD_MESSAGE_TYPE_CHANGED"),
        ["FIELD_PACKING_CHANGED"] = () => DiffCase("FIELD_PACKING_CHANGED"),
        ["FIELD_RENAMED"] = () => DiffCase("FIELD_RENAMED"),
        ["FIELD_SIGNEDNESS_CHANGED"] = () => DiffCase("FIELD_SIGNEDNESS_CHANGED"),
        ["FIELD_STRING_BYTES_CHANGED"] = () => DiffCase("FIELD_STRING_BYTES_CHANGED"),
        ["FIELD_UNKNOWN_TO_RECEIVER"] = () => DiffCase("FIELD_UNKNOWN_TO_RECEIVER"),
        ["FIELD_WIDTH_CHANGED"] = () => DiffCase("FIELD_WIDTH_CHANGED"),
        ["FIELD_WIRE_TYPE_CHANGED"] = () => DiffCase("FIELD_WIRE_TYPE_CHANGED"),
        ["FIELD_ZIGZAG_CHANGED"] = () => DiffCase("FIELD_ZIGZAG_CHANGED"),
        ["RPC_MISSING"] = () => DiffCase("RPC_MISSING"),
        ["RPC_REQUEST_CHANGED"] = () => DiffCase("RPC_REQUEST_CHANGED"),
        ["RPC_RESPONSE_CHANGED"] = () => DiffCase("RPC_RESPONSE_CHANGED"),
        ["RPC_STREAMING_CHANGED"] = () => DiffCase("RPC_STREAMING_CHANGED"),
        // The case's agent lacks a service: only the runtime side of the pair may claim it (the case's reverse).
        ["SERVICE_MISSING"] = () => Diff(agent: Case("SERVICE_MISSING", "runtime"), runtime: Case("SERVICE_MISSING", "agent")),
        ["TYPES_UNRESOLVED"] = () => Diff(agent: RuleFixture("2.2.0-without-types.binpb"), runtime: History("2.2.0")),

        // Protocol and version rules on the fixture binaries, compared by `diff`.
        ["TRANSPORT_MISMATCH"] = () => Diff(agent: Binary("agent-rust-2.2.0-amd64"), runtime: Binary("runtime-gogo-grpc-1.12.1-amd64")),
        ["DRIVER_UNKNOWN_TO_AGENT"] = () => Diff(agent: Binary("agent-gogo-grpc-1.0.0-amd64"), runtime: Binary("runtime-gogo-grpc-1.12.1-amd64")),
        ["PROTOCOL_DIFFERS_FROM_RELEASE"] = () => Diff(agent: Binary("agent-rust-3.2.0-amd64"), runtime: Binary("runtime-go-ttrpc-3.5.0-amd64")),
        ["PROTOCOL_UNVERIFIED"] = () => Diff(agent: RealBuild("agent-2.2.0-ttrpc"), runtime: RealBuild("runtime-rs-client-3.32.0")),
        ["VERSION_UNKNOWN"] = () => Diff(agent: RealBuild("agent-2.2.0-ttrpc"), runtime: RealBuild("runtime-rs-client-3.32.0")),
        ["VERSION_SKEW_MAJOR"] = () => Diff(agent: RealBuild("agent-3.32.0-policy"), runtime: RealBuild("runtime-2.2.0-go")),
        ["VERSION_SKEW_MINOR"] = () => Diff(agent: RealBuild("agent-2.0.0"), runtime: RealBuild("runtime-2.2.0-go")),

        // Binaries with their stated version taken away, so the release catalog does not complete them (the
        // library calls `diff` makes, on facts no real binary has).
        // The 3.5 "lite" agent names its methods only by registration strings (no service descriptor).
        ["FIELDS_UNVERIFIED"] = () => Compare(runtime: DescriptorSet(History("3.5.0")), agent: WithoutVersion(Binary("agent-rust-lite-3.5.0-amd64"))),
        ["RPCS_UNVERIFIED"] = () => Compare(runtime: WithoutVersion(Binary("agent-rust-lite-3.5.0-amd64")), agent: DescriptorSet(History("3.5.0"))),
        ["SERVICE_UNVERIFIED"] = () => Compare(runtime: DescriptorSet(History("3.30.0")), agent: WithoutVersion(RealBuild("agent-3.32.0-policy"))),
        ["RELEASE_UNKNOWN"] = () => ResolveAs(RealBuild("agent-2.2.0-ttrpc"), "2.2.99"),

        // The pipeline's own rules, from `check` on a host made here or `matrix`.
        ["CONFIG_UNREADABLE"] = () => CheckHost(("etc/kata-containers/configuration.toml", "[hypervisor.qemu\n")),
        ["IMAGE_NOT_CONFIGURED"] = () => CheckHost(("etc/kata-containers/configuration.toml", "[runtime]\n")),
        ["IMAGE_UNREADABLE"] = () => CheckHost(("etc/kata-containers/configuration.toml", "[hypervisor.qemu]\nimage = \"/no/such.img\"\n")),
        ["RUNTIME_NOT_FOUND"] = () => CheckHost(("etc/kata-containers/configuration.toml", "[hypervisor.qemu]\nimage = \"/no/such.img\"\n")),
        ["AGENT_NOT_FOUND"] = () => CheckHost([], "--image", RuleFixture("no-agent-initrd.img"), "--runtime", RealBuild("runtime-2.2.0-go")),
        ["RUNTIME_UNREADABLE"] = () => CheckHost([], "--image", RuleFixture("agent-initrd.img"), "--runtime", RuleFixture("runtime.binpb")),
        ["PROTOCOL_UNCOMPARABLE"] = () => Rules(Cli.Run("matrix", "--format", "json",
            "--agent", RuleFixture("agent.binpb"), "--runtime", RuleFixture("runtime.binpb"))),
    };

    public static TheoryData<string> CatalogueIds() => [.. AllRules.List.Select(r => r.Id)];

    [Fact]
    public void EveryRuleInTheCatalogueHasACaseAndEveryCaseARule()
    {
        Assert.Equal(AllRules.List.Select(r => r.Id).Order(StringComparer.Ordinal), Cases.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(AllRules.List.Count, AllRules.List.Select(r => r.Id).Distinct().Count());
        Assert.All(AllRules.List, r => Assert.Matches("^[A-Z]+(_[A-Z]+)+$", r.Id));
    }

    [Theory]
    [MemberData(nameof(CatalogueIds))]
    public void TheRulesCaseMakesItFire(string rule)
    {
        Assert.True(Cases.ContainsKey(rule), $"{rule} has no case");
        IReadOnlySet<string> fired = Cases[rule]();
        Assert.True(fired.Contains(rule), $"{rule}'s case reported {string.Join(", ", fired.Order(StringComparer.Ordinal))}");
    }

    [Fact]
    public void RulesListsTheCatalogueInEveryFormat()
    {
        var ids = AllRules.List.Select(r => r.Id).ToList();
        using var json = JsonDocument.Parse(Cli.Run("rules", "--format", "json").Out);
        Assert.Equal(ids, json.RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()));
        string[] text = Cli.Run("rules").Out.TrimEnd('\n').Split('\n');
        Assert.Equal(ids, text.Select(line => line.Split(' ')[0]));
        string markdown = Cli.Run("rules", "--format", "markdown").Out;
        Assert.All(AllRules.List, r => Assert.Contains($"| `{r.Id}` | {r.DefaultSeverity.ToString().ToLowerInvariant()} | {r.Direction} |", markdown));
    }

    private static IReadOnlySet<string> DiffCase(string rule) => Diff(agent: Case(rule, "agent"), runtime: Case(rule, "runtime"));

    private static IReadOnlySet<string> Diff(string agent, string runtime) =>
        Rules(Cli.Run("diff", "--agent", agent, "--runtime", runtime, "--format", "json"));

    /// <summary>`check --format json` on a host holding these files (path under the root, text), plus arguments.</summary>
    private static IReadOnlySet<string> CheckHost((string Path, string Text)[] files, params string[] arguments)
    {
        string root = Directory.CreateTempSubdirectory("kata-preflight-rule-").FullName;
        foreach (var (path, text) in files)
        {
            string target = Path.Combine(root, path);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.WriteAllText(target, text);
        }
        return Rules(Cli.Run(["check", "--root", root, "--format", "json", .. arguments]));
    }

    private static IReadOnlySet<string> CheckHost((string Path, string Text) file) => CheckHost([file]);

    /// <summary>A binary's own facts without the version it states, so the release catalog does not complete them.</summary>
    private static ProtocolSurface WithoutVersion(string binary) =>
        ProtocolSurface.FromFacts(BinaryInspector.InspectFile(binary, CompatibilityOptions.Default.ConstantValues.ToList()) with { Version = null });

    private static ProtocolSurface DescriptorSet(string file) => ProtocolSurface.FromDescriptorSet(File.ReadAllBytes(file), RpcTransport.Ttrpc, file);

    private static IReadOnlySet<string> Compare(ProtocolSurface runtime, ProtocolSurface agent) =>
        CompatibilityChecker.Compare(runtime, agent, CompatibilityOptions.Default).Select(f => f.Rule).ToHashSet(StringComparer.Ordinal);

    /// <summary>A binary resolved as if it stated another version.</summary>
    private static IReadOnlySet<string> ResolveAs(string binary, string version)
    {
        BinaryFacts facts = BinaryInspector.InspectFile(binary, CompatibilityOptions.Default.ConstantValues.ToList());
        return ProtocolResolver.Resolve(ProtocolSurface.FromFacts(facts), version, "agent", CompatibilityOptions.Default, ReleaseCatalog.Default)
            .Findings.Select(f => f.Rule).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Every "rule" a JSON report names, wherever it is (a check's targets, a diff's findings, a matrix's cells).</summary>
    private static IReadOnlySet<string> Rules(CliResult result)
    {
        Assert.True(result.Out.Length > 0, $"exit {result.ExitCode}, no report: {result.Error}");
        using var report = JsonDocument.Parse(result.Out);
        var rules = new HashSet<string>(StringComparer.Ordinal);
        Collect(report.RootElement, rules);
        return rules;
    }

    private static void Collect(JsonElement element, HashSet<string> rules)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.Name == "rule" && property.Value.ValueKind == JsonValueKind.String)
                {
                    rules.Add(property.Value.GetString()!);
                }
                Collect(property.Value, rules);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                Collect(item, rules);
            }
        }
    }
}
