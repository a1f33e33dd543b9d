using System.Text;

namespace Preflight.Binaries;

/// <summary>
/// Recovers RPC methods from method-path strings ("/package.Service/Method"), which gRPC code (both Go and Rust)
/// and ttrpc-rust up to 0.6 keep as literals even when no descriptor survived. Go and Rust pack string literals back
/// to back with no separator, so a path is accepted only when it ends at a byte that cannot continue a name:
/// "/grpc.AgentService/CreateContainer" followed by "Ping..." would be ambiguous and is dropped rather than guessed.
/// Convention narrows it further: package parts start lower-case, the service and method names upper-case.
/// Newer ttrpc code (service name and method names as separate strings) is not read here: which method names belong
/// to which service cannot be told from adjacency alone.
/// </summary>
public static class MethodStringScanner
{
    private const int MaxNameLength = 256;
    private const int MaxMethods = 100_000;

    public static IReadOnlyList<(string Service, string Method)> Scan(ReadOnlySpan<byte> data)
    {
        var found = new HashSet<(string, string)>();
        var ordered = new List<(string, string)>();
        for (int from = 0; from < data.Length && ordered.Count < MaxMethods;)
        {
            int index = data[from..].IndexOf((byte)'/');
            if (index < 0)
            {
                break;
            }
            int slash = from + index;
            from = slash + 1;
            if (TryReadPath(data, slash, out string service, out string method) && found.Add((service, method)))
            {
                ordered.Add((service, method));
            }
        }
        return ordered;
    }

    private static bool TryReadPath(ReadOnlySpan<byte> data, int slash, out string service, out string method)
    {
        service = method = "";
        int serviceStart = slash + 1;
        int serviceEnd = serviceStart;
        while (serviceEnd < data.Length && serviceEnd - serviceStart <= MaxNameLength && IsNameByte(data[serviceEnd], allowDot: true))
        {
            serviceEnd++;
        }
        if (serviceEnd >= data.Length || data[serviceEnd] != (byte)'/' || serviceEnd == serviceStart)
        {
            return false;
        }
        int methodStart = serviceEnd + 1;
        int methodEnd = methodStart;
        while (methodEnd < data.Length && methodEnd - methodStart <= MaxNameLength && IsNameByte(data[methodEnd], allowDot: false))
        {
            methodEnd++;
        }
        if (methodEnd == methodStart || methodEnd - methodStart > MaxNameLength || !char.IsAsciiLetterUpper((char)data[methodStart]))
        {
            return false;
        }
        // An identifier byte right after would mean the method name runs on into a neighbouring string.
        if (methodEnd < data.Length && (IsNameByte(data[methodEnd], allowDot: false) || data[methodEnd] == (byte)'.'))
        {
            return false;
        }
        string candidate = Encoding.ASCII.GetString(data[serviceStart..serviceEnd]);
        string[] parts = candidate.Split('.');
        if (parts.Length < 2 || !parts.All(DescriptorNames.IsIdentifier)
            || !parts[..^1].All(p => char.IsAsciiLetterLower(p[0])) || !char.IsAsciiLetterUpper(parts[^1][0]))
        {
            return false;
        }
        service = candidate;
        method = Encoding.ASCII.GetString(data[methodStart..methodEnd]);
        return true;
    }

    private static bool IsNameByte(byte b, bool allowDot) =>
        char.IsAsciiLetterOrDigit((char)b) || b == (byte)'_' || (allowDot && b == (byte)'.');
}
