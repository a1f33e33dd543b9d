using System.Diagnostics;
using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// Files made of nothing but descriptor headers, crafted here byte by byte because no real tool makes hostile input
/// (issue 11: 100,000 back-to-back headers took 193 s when every candidate re-parsed the rest of the file). Each
/// shape must scan in time and allocation linear in its size. The caps are generous safety caps, not timings: the
/// scan takes well under a second on these files; a quadratic scan takes minutes.
/// </summary>
public sealed class HostileDescriptorScanTests
{
    private const int Headers = 100_000;
    private static readonly TimeSpan TimeCap = TimeSpan.FromSeconds(20);

    public static TheoryData<string> Shapes() => ["plain", "nested-messages", "swallowing-strings"];

    [Theory]
    [MemberData(nameof(Shapes))]
    public void BackToBackHeadersScanInBoundedTimeAndMemory(string shape)
    {
        byte[] file = Hostile(shape, Headers);
        IReadOnlyList<EmbeddedDescriptor>? found = null;
        BinaryFormatException? refused = null;
        long allocated = 0;
        var clock = Stopwatch.StartNew();
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                found = DescriptorScanner.Scan(file);
            }
            catch (BinaryFormatException e)
            {
                refused = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        }, maxStackSize: 16 << 20)
        {
            IsBackground = true, // a scan that never ends must not keep the test host alive
        };
        thread.Start();

        Assert.True(thread.Join(TimeCap), $"{shape}: the scan of {file.Length} bytes did not finish within {TimeCap.TotalSeconds} s");
        if (shape == "plain")
        {
            // 100,000 distinct, valid, empty descriptors: more than any binary carries, so the binary is refused.
            Assert.NotNull(refused);
            Assert.Contains($"more than {DescriptorScanner.MaxDescriptors} protobuf descriptors", refused.Problem, StringComparison.Ordinal);
        }
        else
        {
            Assert.Null(refused);
            Assert.NotNull(found);
        }
        // Linear: parsing a candidate costs a few KiB of parser state; a quadratic scan allocated over 100 GB here.
        long cap = 64L * file.Length + (64 << 20);
        Assert.True(allocated < cap, $"{shape}: allocated {allocated} bytes scanning {file.Length} ({clock.ElapsedMilliseconds} ms), over the cap of {cap}");
    }

    [Fact]
    public void RefusalNamesTheFile()
    {
        // Issue 11: the refusal named the input only as "binary"; the message must say which file it is.
        byte[] file = Hostile("plain", DescriptorScanner.MaxDescriptors + 10);
        var refused = Assert.Throws<BinaryFormatException>(() => DescriptorScanner.Scan(file, "/usr/bin/kata-agent"));
        Assert.Equal("/usr/bin/kata-agent", refused.File);
        Assert.Contains("/usr/bin/kata-agent", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(FixtureBinaryTests.Files), MemberType = typeof(FixtureBinaryTests))]
    public void FixtureBinariesAreScannedWithoutSkippingAnything(string file) =>
        AssertEveryCandidateTried(Preflight.Tests.TestData.Generated("binaries", file));

    [Theory]
    [MemberData(nameof(RealBinaryTests.Names), MemberType = typeof(RealBinaryTests))]
    public void RealBinariesAreScannedWithoutSkippingAnything(string name) =>
        AssertEveryCandidateTried(RealBinaries.PathOf(name));

    /// <summary>
    /// Recall is kept because an honest binary never spends its allowance: every candidate in it is tried as before
    /// the scan was made linear, and the skipping mode is for hostile files alone.
    /// </summary>
    private static void AssertEveryCandidateTried(string path)
    {
        DescriptorScanner.Scan(File.ReadAllBytes(path), DescriptorScanner.RecursionLimit, out ScanWork work);
        Assert.Equal(0, work.SkippedRegions);
        Assert.True(work.Spent < work.Allowance / 4, $"{path}: spent {work.Spent} of an allowance of {work.Allowance}");
    }

    [Fact]
    public void PlainHeadersAreEachADescriptor()
    {
        // "0a 0b 'header.proto'"-style headers are each a complete (if empty) FileDescriptorProto: the scan must keep
        // finding them, not give up, so the shape tests cannot pass by finding nothing.
        var found = DescriptorScanner.Scan(Hostile("plain", 1000));
        Assert.Equal(1000, found.Count);
    }

    /// <summary>
    /// plain: "0a 0b 'hNNNNN.proto'" repeated, each a distinct, valid, empty descriptor.
    /// nested-messages: "0a 07 'a.proto' 22 LEN" where message_type (field 4) holds the rest of the file, which parses
    /// as nested_type inside nested_type down to the recursion limit.
    /// swallowing-strings: "0a 07 'a.proto' 1a LEN" where a dependency (field 3) string holds the rest of the file;
    /// every candidate parses to the end, then is rejected for its dependency's name.
    /// </summary>
    private static byte[] Hostile(string shape, int headers)
    {
        if (shape == "plain")
        {
            var plain = new MemoryStream();
            for (int i = 0; i < headers; i++)
            {
                plain.Write([0x0A, 0x0C]);
                plain.Write(System.Text.Encoding.ASCII.GetBytes($"h{i:D5}.proto"));
            }
            return plain.ToArray();
        }
        byte tag = shape == "nested-messages" ? (byte)0x22 : (byte)0x1A;
        // Built back to front: each header's length field covers everything after it.
        var reversed = new List<byte> { (byte)'x', 0x01, tag };
        reversed.AddRange("a.proto"u8.ToArray().Reverse());
        reversed.AddRange([0x07, 0x0A]);
        for (int i = 1; i < headers; i++)
        {
            byte[] length = Varint((ulong)reversed.Count);
            reversed.AddRange(length.Reverse());
            reversed.Add(tag);
            reversed.AddRange("a.proto"u8.ToArray().Reverse());
            reversed.AddRange([0x07, 0x0A]);
        }
        reversed.Reverse();
        return reversed.ToArray();
    }

    private static byte[] Varint(ulong value)
    {
        var bytes = new List<byte>();
        while (value >= 0x80)
        {
            bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }
        bytes.Add((byte)value);
        return bytes.ToArray();
    }
}
