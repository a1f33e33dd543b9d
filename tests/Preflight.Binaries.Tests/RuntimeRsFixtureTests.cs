using System.Text.Json;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// runtime-rs-3.2.0-amd64: make.sh's stand-in for Kata's Rust shim (/opt/kata/runtime-rs/bin/containerd-shim-kata-v2).
/// It is built from the same generated protocol code as agent-rust-3.2.0-amd64 but uses it as a ttrpc client, and
/// carries config.rs.in's constants, printed as "&lt;PROJECT_NAME&gt; containerd shim (Rust): id: &lt;CONTAINERD_RUNTIME_NAME&gt;,
/// version: &lt;RUNTIME_VERSION&gt;, commit: &lt;RUNTIME_VERSION_COMMIT&gt;". The manifest-driven tests cover its ELF
/// identity, descriptors and methods too; these pin what is specific to a Rust runtime.
/// </summary>
public class RuntimeRsFixtureTests
{
    private const string File = "runtime-rs-3.2.0-amd64";
    private const string Agent = "agent-rust-3.2.0-amd64";

    private static readonly Lazy<JsonElement> Entry = new(() =>
        JsonDocument.Parse(System.IO.File.ReadAllText(TestData.Generated("binaries", "manifest.json")))
            .RootElement.GetProperty("binaries").EnumerateArray().Single(e => e.GetProperty("file").GetString() == File));

    private static BinaryFacts Inspect(string file, IReadOnlyCollection<string>? constants = null) =>
        BinaryInspector.InspectFile(TestData.Generated("binaries", file), constants);

    [Fact]
    public void TheManifestDescribesARustRuntime()
    {
        JsonElement entry = Entry.Value;
        Assert.Equal("runtime", entry.GetProperty("role").GetString());
        Assert.Equal("rust", entry.GetProperty("language").GetString());
        Assert.Equal("ttrpc", entry.GetProperty("transport").GetString());
        Assert.Equal("3.2.0", entry.GetProperty("protocolVersion").GetString());
        // The line the real binary printed when make.sh ran it, in the shim's own format.
        string commit = entry.GetProperty("commit").GetString()!;
        Assert.Equal($"Kata Containers containerd shim (Rust): id: io.containerd.kata.v2, version: 3.2.0, commit: 3.2.0-{commit}",
            entry.GetProperty("versionOutput").GetString());
    }

    [Fact]
    public void VersionAndCommitComeFromTheRustStrPair()
    {
        JsonElement entry = Entry.Value;
        BinaryFacts facts = Inspect(File);

        // RUNTIME_VERSION "3.2.0" and RUNTIME_VERSION_COMMIT "3.2.0-<sha>" are the same evidence as the agent's
        // AGENT_VERSION and VERSION_COMMIT.
        Assert.Null(facts.Go);
        Assert.NotNull(facts.Version);
        Assert.Equal("rust-str-pair", facts.Version.Evidence);
        Assert.Equal("3.2.0", facts.Version.Version);
        Assert.Equal(entry.GetProperty("version").GetString(), facts.Version.Version);
        Assert.Equal(entry.GetProperty("commit").GetString(), facts.Version.Commit);
        Assert.Matches("^[0-9a-f]{40}$", facts.Version.Commit!);
        // The shim passes (project, runtime id, version, version-commit), not the agent's (name, version, api
        // version, commit version): the agent's layout does not fit, so no API version (runtime-rs has none) and
        // no program name are read rather than guessed.
        Assert.Null(facts.Version.ApiVersion);
        Assert.Null(facts.Version.Program);
    }

    [Fact]
    public void TransportIsTtrpc()
    {
        BinaryFacts facts = Inspect(File);
        Assert.Equal(RpcTransport.Ttrpc, facts.Transport);
        Assert.Equal([RpcTransport.Ttrpc], facts.TransportLibraries);
    }

    [Fact]
    public void CarriesTheRawDescriptorsOfTheSharedProtocolsCode()
    {
        BinaryFacts facts = Inspect(File);
        foreach (var (name, package) in new[] { ("agent.proto", "grpc"), ("health.proto", "grpc"), ("oci.proto", "grpc"), ("types.proto", "types") })
        {
            Assert.Contains(facts.Descriptors, d => d.File == name && d.Package == package && d.Encoding == "raw");
        }
        // rust-protobuf 2.1+ registers short names, like the agent of the same version.
        Assert.DoesNotContain(facts.Descriptors, d => d.File.StartsWith("github.com/", StringComparison.Ordinal));
    }

    [Fact]
    public void MethodsFromDescriptorsAreThe320AgentsOwn()
    {
        // Client and server are generated from one set of files: the runtime's typed methods are exactly the 3.2.0
        // agent's, 37 AgentService RPCs (3.2.0 added RemoveStaleVirtiofsShareMounts and UpdateEphemeralMounts) and
        // Health's Check and Version.
        var runtime = Inspect(File).Methods.Where(m => m.Evidence == "descriptor" && m.Service.StartsWith("grpc.", StringComparison.Ordinal))
            .Select(m => m.FullName).Order().ToList();
        var agent = Inspect(Agent).Methods.Where(m => m.Evidence == "descriptor" && m.Service.StartsWith("grpc.", StringComparison.Ordinal))
            .Select(m => m.FullName).Order().ToList();
        var manifest = Entry.Value.GetProperty("methods").EnumerateArray()
            .Select(m => m.GetProperty("service").GetString() + "/" + m.GetProperty("method").GetString()).Order().ToList();

        Assert.Equal(manifest, runtime);
        Assert.Equal(agent, runtime);
        Assert.Equal(37, runtime.Count(m => m.StartsWith("grpc.AgentService/", StringComparison.Ordinal)));
        Assert.Contains("grpc.AgentService/UpdateEphemeralMounts", runtime);
        Assert.Contains("grpc.AgentService/RemoveStaleVirtiofsShareMounts", runtime);
        Assert.Contains("grpc.Health/Check", runtime);
    }

    [Fact]
    public void StorageDriversAreTheRuntimeSidesOnly()
    {
        // make.sh gives runtime-rs the runtime side's drivers.tsv rows; the agent-only handlers (watchable-bind,
        // overlayfs) must not show up just because the protocol code is shared.
        var has = Entry.Value.GetProperty("storageDrivers").EnumerateArray().Select(d => d.GetString()!).ToHashSet();
        Assert.Contains("ephemeral", has);
        BinaryFacts facts = Inspect(File, ["9p", "blk", "ephemeral", "virtio-fs", "watchable-bind", "overlayfs", "erofs.multi-layer"]);
        foreach (ConstantEvidence constant in facts.Constants)
        {
            Assert.True(has.Contains(constant.Value) == constant.Present,
                $"{constant.Value}: Present={constant.Present} ({constant.Evidence}, {constant.Occurrences} occurrences), manifest says {has.Contains(constant.Value)}");
        }
    }
}
