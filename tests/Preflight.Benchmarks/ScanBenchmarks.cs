using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Preflight.Binaries;

namespace Preflight.Benchmarks;

/// <summary>Descriptor scan throughput on a real ~46 MiB Go binary (containerd), bytes already in memory:
/// the whole inspection (ELF, build info, descriptors, method strings, transport, SHA-256) and the descriptor scan
/// alone, and SHA-256 of the same bytes (a part of Inspect) for reference. Throughput = file bytes / time.</summary>
[MemoryDiagnoser]
public class ScanBenchmarks
{
    private byte[] _bytes = [];

    [GlobalSetup]
    public void Setup()
    {
        string path = BenchPaths.Binary;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("run: bash testdata/real-binaries/make.sh testdata/generated/real-binaries", path);
        }
        _bytes = File.ReadAllBytes(path);
        Console.WriteLine($"// scan input: {path}, {_bytes.Length} bytes");
    }

    [Benchmark]
    public int Inspect() => BinaryInspector.Inspect(_bytes, "bench").Descriptors.Count;

    [Benchmark]
    public int DescriptorScan() => DescriptorScanner.Scan(_bytes).Count;

    [Benchmark]
    public byte[] Sha256() => SHA256.HashData(_bytes);
}
