using System.Security.Cryptography;

namespace Preflight.Binaries;

/// <summary>
/// The Binaries layer's entry point: turns the bytes of one executable into <see cref="BinaryFacts"/>. It only reads;
/// nothing from the binary is ever executed.
/// </summary>
public static class BinaryInspector
{
    public const long MaxFileBytes = 1L << 30;

    public static BinaryFacts InspectFile(string path, IReadOnlyCollection<string>? constants = null)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes)
        {
            throw new BinaryFormatException(path, 0, $"file is {length} bytes; binaries larger than {MaxFileBytes} bytes (1 GiB) are not inspected");
        }
        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read))
        {
            bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
        }
        return Inspect(bytes, path, constants);
    }

    public static BinaryFacts Inspect(ReadOnlyMemory<byte> bytes, string source, IReadOnlyCollection<string>? constants = null)
    {
        var data = bytes.Span;
        var elf = ElfFile.Parse(bytes, source);
        var go = GoBuildInfoReader.Read(elf, data);
        var descriptors = DescriptorScanner.Scan(bytes);
        // One pass over x86_64 code (null on other architectures) and one over the string headers in data serve
        // every string-evidence reader.
        var code = X86CodeIndex.Build(data, elf);
        // Only the constants and a Rust version (no Go build info) need string headers: skip the scan otherwise.
        var headers = constants is not null || go is null ? StringHeaderIndex.Build(data, elf) : null;
        var pathRuns = new List<MethodPathRun>();
        var methods = MergeMethods(descriptors, MethodStringScanner.Scan(data, elf, code, pathRuns));
        var libraries = TransportDetector.Libraries(data, go);
        var constantEvidence = constants is null ? [] : ConstantScanner.Scan(data, elf, headers, code, constants);
        return new BinaryFacts(
            source,
            bytes.Length,
            Convert.ToHexStringLower(SHA256.HashData(data)),
            elf.ToInfo(),
            descriptors,
            methods,
            TransportDetector.Transport(libraries),
            go,
            VersionExtractor.Extract(go, elf, data, headers),
            constantEvidence)
        {
            TransportLibraries = libraries,
            MethodPaths = pathRuns,
        };
    }

    /// <summary>One entry per (service, method); a descriptor's word beats a string's.</summary>
    private static List<MethodEvidence> MergeMethods(
        IReadOnlyList<EmbeddedDescriptor> descriptors, IReadOnlyList<(string Service, string Method)> strings)
    {
        var methods = new List<MethodEvidence>();
        var seen = new HashSet<(string, string)>();
        foreach (var descriptor in descriptors)
        {
            var proto = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(descriptor.Bytes);
            foreach (var service in proto.Service)
            {
                string serviceName = proto.Package.Length == 0 ? service.Name : proto.Package + "." + service.Name;
                foreach (var method in service.Method)
                {
                    if (seen.Add((serviceName, method.Name)))
                    {
                        methods.Add(new MethodEvidence(serviceName, method.Name, MethodSource.Descriptor));
                    }
                }
            }
        }
        // A descriptor lists its service's methods completely; path strings for that service add only noise
        // (a packed neighbour can glue itself onto a method name: "SignalProcessSoftware").
        var described = seen.Select(s => s.Item1).ToHashSet();
        foreach (var (service, method) in strings)
        {
            if (!described.Contains(service) && seen.Add((service, method)))
            {
                methods.Add(new MethodEvidence(service, method, MethodSource.MethodString));
            }
        }
        return methods;
    }
}
