using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>Inspects each Debian binary once per test run: scanning 20-75 MB files is the slow part.</summary>
public sealed class RealBinaries
{
    private readonly Dictionary<string, BinaryFacts> _facts = [];
    private readonly Lock _gate = new();

    public static string PathOf(string name) => Preflight.Tests.TestData.Generated("real-binaries", name);

    public BinaryFacts Facts(string name)
    {
        lock (_gate)
        {
            if (!_facts.TryGetValue(name, out var facts))
            {
                facts = BinaryInspector.InspectFile(PathOf(name), ["ttrpc", "etcdserverpb", "overlayfs", "9p", "zzz-not-there-zzz"]);
                _facts[name] = facts;
            }
            return facts;
        }
    }
}
