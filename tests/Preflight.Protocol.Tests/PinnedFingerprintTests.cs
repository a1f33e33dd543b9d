using Preflight.Protocol.Catalog;

namespace Preflight.Tests;

/// <summary>
/// The build carries the 25 catalog protocols' fingerprints pinned (src/Preflight.Protocol/Catalog/Derived/
/// fingerprints.tsv) so matching a binary against the catalog parses no set. The table must be exactly what the
/// fingerprint code computes from the shipped sets today: a change to either fails here. To regenerate after a
/// reviewed change of the fingerprint: KATA_PREFLIGHT_WRITE_PINNED=1 dotnet test tests/Preflight.Protocol.Tests
/// --filter PinnedFingerprintTests, then review the diff.
/// </summary>
public class PinnedFingerprintTests
{
    private static string TablePath =>
        Path.Combine(TestData.Root, "src", "Preflight.Protocol", "Catalog", "Derived", "fingerprints.tsv");

    private static string ComputedTable()
    {
        var catalog = ReleaseCatalog.Default;
        var lines = new List<string> { "protocol\tfingerprint" };
        lines.AddRange(catalog.Protocols.Select(p => $"{p}\t{catalog.ComputeFingerprint(p)}"));
        return string.Join("\n", lines) + "\n";
    }

    [Fact]
    public void ThePinnedTableIsWhatTheShippedSetsHashTo()
    {
        string computed = ComputedTable();
        if (Environment.GetEnvironmentVariable("KATA_PREFLIGHT_WRITE_PINNED") == "1")
        {
            File.WriteAllText(TablePath, computed);
        }
        Assert.Equal(computed, File.ReadAllText(TablePath));
    }

    [Fact]
    public void TheCatalogAnswersFromTheTableForEveryProtocol()
    {
        var catalog = ReleaseCatalog.Default;
        var pinned = File.ReadAllLines(TablePath).Skip(1).Select(l => l.Split('\t')).ToDictionary(r => r[0], r => r[1]);
        Assert.Equal(25, pinned.Count);
        // The build embeds this very table (a stale embedded copy would answer with other fingerprints).
        Assert.Equal(pinned.OrderBy(p => p.Key), catalog.PinnedFingerprints.OrderBy(p => p.Key));
        foreach (string protocol in catalog.Protocols)
        {
            Assert.Equal(pinned[protocol], catalog.Fingerprint(protocol));
            var matching = catalog.ReleasesWithFingerprint(pinned[protocol]);
            Assert.All(catalog.TagsOf(protocol), tag => Assert.Contains(tag, matching));
        }
    }
}
