using System.Text.Json;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// The fixture Go binaries are built with -trimpath (so build info records no -ldflags), like release builds;
/// their version and commit must come from the string variables the symbol table names, and a stripped binary
/// must say "unknown" rather than guess.
/// </summary>
public class GoVersionVariableTests
{
    public static TheoryData<string> GoBinaries()
    {
        var data = new TheoryData<string>();
        using var manifest = JsonDocument.Parse(File.ReadAllText(TestData.Generated("binaries", "manifest.json")));
        foreach (JsonElement binary in manifest.RootElement.GetProperty("binaries").EnumerateArray())
        {
            if (binary.GetProperty("language").GetString() == "go")
            {
                data.Add(binary.GetProperty("file").GetString()!);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(GoBinaries))]
    public void VersionAndCommitComeFromTheSymbolTableOrNotAtAll(string file)
    {
        using var manifest = JsonDocument.Parse(File.ReadAllText(TestData.Generated("binaries", "manifest.json")));
        JsonElement entry = manifest.RootElement.GetProperty("binaries").EnumerateArray()
            .Single(b => b.GetProperty("file").GetString() == file);
        string version = entry.GetProperty("version").GetString()!;
        string commit = entry.GetProperty("commit").GetString()!;

        BinaryFacts facts = BinaryInspector.InspectFile(TestData.Generated("binaries", file));

        if (entry.GetProperty("stripped").GetBoolean())
        {
            Assert.Null(facts.Version?.Version);
            return;
        }
        Assert.NotNull(facts.Version);
        Assert.Equal("go-symbol", facts.Version.Evidence);
        if (entry.GetProperty("role").GetString() == "runtime")
        {
            Assert.Equal(version, facts.Version.Version);
            Assert.Equal(commit, facts.Version.Commit);
        }
        else
        {
            // The 1.x Go agent stamps "<VERSION>-<commit>" into main.version, as kata-agent --version prints it.
            Assert.Equal($"{version}-{commit}", facts.Version.Version);
        }
    }
}
