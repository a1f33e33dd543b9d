using System.Buffers.Binary;
using System.Diagnostics;

// Shared by the Imaging, Host and Binaries robustness sweeps (linked into each test project).
namespace Preflight.Tests;

/// <summary>Bytes written over a fixture at an offset.</summary>
internal sealed record Patch(long Offset, byte[] Bytes)
{
    public override string ToString() => $"{Offset} (0x{Offset:x}) := {Convert.ToHexString(Bytes)}";
}

/// <summary>
/// One deterministic damage to a fixture: some patches, or the file cut at a length. ToString says exactly what was
/// done, so a failure message is enough to reproduce the case by hand (or with ApplyTo in a regression test).
/// </summary>
internal sealed record Mutation(string Strategy, IReadOnlyList<Patch> Patches, long? TruncateTo = null)
{
    public override string ToString() => TruncateTo is long length
        ? $"{Strategy}: truncate to {length} bytes"
        : $"{Strategy}: bytes at {string.Join(", ", Patches)}";

    public byte[] ApplyTo(byte[] original)
    {
        if (TruncateTo is long length)
        {
            return original[..(int)length];
        }
        byte[] copy = (byte[])original.Clone();
        foreach (Patch patch in Patches)
        {
            patch.Bytes.CopyTo(copy, patch.Offset);
        }
        return copy;
    }
}

/// <summary>A byte range of a fixture worth damaging (a header, an inode, a directory block, ...).</summary>
internal readonly record struct Region(long Start, long Length)
{
    public long End => Start + Length;
}

/// <summary>
/// Turns (fixture bytes, regions, strategy, seed) into a fixed list of mutations. Same inputs, same list: a
/// failing case is named by its seed and index and comes back identically on every run and machine.
/// </summary>
internal static class MutationPlan
{
    public const string Flip = "flip";
    public const string Field = "field";
    public const string Truncate = "truncate";

    /// <summary>Several flips at once, each in a region of its own: damage that one check alone may not catch.</summary>
    public const string MultiFlip = "multi-flip";

    public static List<Mutation> Make(byte[] original, IReadOnlyList<Region> regions, string strategy, int seed, int count, bool bigEndian = false)
    {
        if (regions.Count == 0)
        {
            throw new InvalidOperationException("no region to mutate: the fixture trace found nothing");
        }
        var random = new Random(seed);
        var mutations = new List<Mutation>(count);
        for (int i = 0; i < count; i++)
        {
            mutations.Add(strategy switch
            {
                Flip => new Mutation(Flip, [FlipAt(original, PickOffset(regions, random), random)]),
                MultiFlip => new Mutation(MultiFlip, Enumerable.Range(0, 2 + random.Next(4))
                    .Select(_ => FlipAt(original, PickOffset(regions, random), random)).ToList()),
                Field => new Mutation(Field, [FieldAt(original, PickOffset(regions, random), random, bigEndian)]),
                Truncate => new Mutation(Truncate, [], TruncateTo: PickOffset(regions, random)),
                _ => throw new ArgumentException($"unknown strategy {strategy}", nameof(strategy)),
            });
        }
        return mutations;
    }

    /// <summary>
    /// Each region is as likely as any other, however long: a 32-byte superblock field must get as many hits as a
    /// 4 KiB directory block.
    /// </summary>
    private static long PickOffset(IReadOnlyList<Region> regions, Random random)
    {
        Region region = regions[random.Next(regions.Count)];
        return region.Start + random.NextInt64(region.Length);
    }

    /// <summary>Flip one bit (most cases) or put a random byte there.</summary>
    private static Patch FlipAt(byte[] original, long at, Random random)
    {
        byte value = random.Next(4) == 0
            ? (byte)random.Next(256)
            : (byte)(original[at] ^ (1 << random.Next(8)));
        return new Patch(at, [value]);
    }

    /// <summary>
    /// Overwrite an aligned 2-, 4- or 8-byte field with a value readers mishandle: 0, all ones (-1), the largest
    /// signed value, the smallest, the current value plus or minus one, or the current value shifted up.
    /// </summary>
    private static Patch FieldAt(byte[] original, long at, Random random, bool bigEndian)
    {
        int width = random.Next(3) switch { 0 => 2, 1 => 4, _ => 8 };
        at -= at % width;
        if (at + width > original.Length)
        {
            at = original.Length - width;
        }
        ulong mask = width == 8 ? ulong.MaxValue : (1UL << (width * 8)) - 1;
        ulong current = bigEndian
            ? ReadBigEndian(original.AsSpan((int)at, width))
            : ReadLittleEndian(original.AsSpan((int)at, width));
        ulong value = random.Next(8) switch
        {
            0 => 0,
            1 => mask,
            2 => mask >> 1,
            3 => (mask >> 1) + 1,
            4 => current + 1,
            5 => current - 1,
            6 => current << (1 + random.Next(16)),
            _ => (ulong)random.NextInt64(),
        } & mask;
        var bytes = new byte[width];
        for (int i = 0; i < width; i++)
        {
            byte b = (byte)(value >> (8 * i));
            bytes[bigEndian ? width - 1 - i : i] = b;
        }
        return new Patch(at, bytes);
    }

    private static ulong ReadLittleEndian(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        2 => BinaryPrimitives.ReadUInt16LittleEndian(bytes),
        4 => BinaryPrimitives.ReadUInt32LittleEndian(bytes),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(bytes),
    };

    private static ulong ReadBigEndian(ReadOnlySpan<byte> bytes) => bytes.Length switch
    {
        2 => BinaryPrimitives.ReadUInt16BigEndian(bytes),
        4 => BinaryPrimitives.ReadUInt32BigEndian(bytes),
        _ => BinaryPrimitives.ReadUInt64BigEndian(bytes),
    };

    /// <summary>Sorts, merges overlapping or touching ranges, and drops empty ones.</summary>
    public static List<Region> Merge(IEnumerable<Region> regions, long fileLength)
    {
        var merged = new List<Region>();
        foreach (Region region in regions.Where(r => r.Length > 0 && r.Start < fileLength).OrderBy(r => r.Start))
        {
            Region clipped = new(region.Start, Math.Min(region.Length, fileLength - region.Start));
            if (merged.Count > 0 && merged[^1].End >= clipped.Start)
            {
                Region last = merged[^1];
                merged[^1] = new Region(last.Start, Math.Max(last.End, clipped.End) - last.Start);
            }
            else
            {
                merged.Add(clipped);
            }
        }
        return merged;
    }
}

/// <summary>
/// A temporary copy of a fixture (the originals under testdata/generated are never written) to which one
/// mutation at a time is applied in place and then undone, so a 40 MiB image is copied once per sweep, not once
/// per case.
/// </summary>
internal sealed class ScratchCopy : IDisposable
{
    private readonly byte[] _original;
    private readonly string _directory;

    public ScratchCopy(string fixture)
    {
        _original = File.ReadAllBytes(fixture);
        _directory = Directory.CreateTempSubdirectory("preflight-robust-").FullName;
        Path = System.IO.Path.Combine(_directory, System.IO.Path.GetFileName(fixture));
        File.WriteAllBytes(Path, _original);
    }

    public string Path { get; }

    public byte[] Original => _original;

    public void Apply(Mutation mutation)
    {
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        if (mutation.TruncateTo is long length)
        {
            file.SetLength(length);
            return;
        }
        foreach (Patch patch in mutation.Patches)
        {
            file.Position = patch.Offset;
            file.Write(patch.Bytes);
        }
    }

    public void Undo(Mutation mutation)
    {
        using var file = new FileStream(Path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
        if (mutation.TruncateTo is long length)
        {
            file.Position = length;
            file.Write(_original, (int)length, _original.Length - (int)length);
            return;
        }
        foreach (Patch patch in mutation.Patches)
        {
            file.Position = patch.Offset;
            file.Write(_original, (int)patch.Offset, patch.Bytes.Length);
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}

/// <summary>
/// Runs one case on a thread of its own, so a hang is detected (the join times out) and the allocation counted
/// is the case's alone (GC.GetAllocatedBytesForCurrentThread on that thread).
/// </summary>
internal static class Bounded
{
    /// <summary>
    /// Null when the work finished in time, within the allocation cap, and either returned or threw exactly one of
    /// the <paramref name="allowed"/> types (not a subclass); otherwise what went wrong. <paramref name="rejected"/>
    /// tells which of the two.
    /// </summary>
    public static string? Run(Action work, IReadOnlyCollection<Type> allowed, TimeSpan timeout, long allocationCap, out bool rejected)
    {
        Exception? caught = null;
        long allocated = 0;
        var thread = new Thread(() =>
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                work();
            }
            catch (Exception e)
            {
                caught = e;
            }
            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        })
        {
            IsBackground = true, // a hung case must not keep the test host alive
            Name = "robustness case",
        };
        var clock = Stopwatch.StartNew();
        thread.Start();
        rejected = false;
        if (!thread.Join(timeout))
        {
            return $"did not finish within {timeout.TotalSeconds} s (a hang)";
        }
        if (caught is not null && !allowed.Contains(caught.GetType()))
        {
            return $"threw {caught.GetType().FullName} instead of {string.Join(" or ", allowed.Select(t => t.Name))} after {clock.ElapsedMilliseconds} ms: {caught}";
        }
        if (caught is not null && BugInside(caught) is Exception bug)
        {
            return $"threw {caught.GetType().Name}, but a bug hides inside it ({bug.GetType().FullName}: a reader wrapped its own failure as bad input): {caught}";
        }
        if (allocated > allocationCap)
        {
            return $"allocated {allocated} bytes, over the cap of {allocationCap}";
        }
        rejected = caught is not null;
        return null;
    }

    /// <summary>
    /// Exception types that mean kata-preflight itself went wrong when our code throws them, whatever the input: a
    /// reader must check bounds, lengths and keys before it indexes, casts or converts. Exact types, because some subclasses are honest
    /// reports of bad data (DecoderFallbackException is an ArgumentException).
    /// </summary>
    public static readonly IReadOnlySet<Type> BugTypes = new HashSet<Type>
    {
        typeof(NullReferenceException),
        typeof(IndexOutOfRangeException),
        typeof(ArgumentException),
        typeof(ArgumentOutOfRangeException),
        typeof(ArgumentNullException),
        typeof(InvalidCastException),
        typeof(OverflowException),
        typeof(KeyNotFoundException),
        typeof(DivideByZeroException),
        typeof(InvalidOperationException),
        typeof(NotImplementedException),
        typeof(OutOfMemoryException),
        typeof(InsufficientExecutionStackException),
    };

    /// <summary>
    /// The first exception in the InnerException chain below <paramref name="caught"/> that is a bug in kata-preflight:
    /// a bug type thrown by our own code. The same type thrown inside a third-party parser fed corrupt bytes
    /// (System.Formats.Tar throws OverflowException for a base-256 size field that does not fit) is that parser's way
    /// of saying the data is bad, which the layer rightly reports as bad input.
    /// </summary>
    public static Exception? BugInside(Exception caught)
    {
        // Bounded: a chain is a few links long; a cycle cannot be built through the public API, but stay safe.
        Exception? inner = caught.InnerException;
        for (int depth = 0; inner is not null && depth < 64; depth++, inner = inner.InnerException)
        {
            if (BugTypes.Contains(inner.GetType()) && ThrownByOurCode(inner))
            {
                return inner;
            }
            if (inner is AggregateException aggregate && aggregate.InnerExceptions.Select(BugInside).FirstOrDefault(b => b is not null) is Exception nested)
            {
                return nested;
            }
        }
        return null;
    }

    /// <summary>.NET's core libraries: an exception thrown there (a span index, a checked conversion) is charged to their caller.</summary>
    private static readonly HashSet<string> CoreAssemblies =
        ["System.Private.CoreLib", "System.Runtime", "System.Memory", "System.Linq", "System.Collections"];

    /// <summary>
    /// True when the first stack frame outside the core libraries is in one of our assemblies (Preflight.*), or when
    /// the exception was never thrown (no frames) and so cannot be blamed on anyone else.
    /// </summary>
    private static bool ThrownByOurCode(Exception exception)
    {
        foreach (StackFrame frame in new StackTrace(exception).GetFrames())
        {
            string? assembly = frame.GetMethod()?.DeclaringType?.Assembly.GetName().Name;
            if (assembly is null || CoreAssemblies.Contains(assembly))
            {
                continue;
            }
            return assembly.StartsWith("Preflight", StringComparison.Ordinal);
        }
        return true;
    }

    /// <summary>Runs every mutation and fails once, listing every bad case (up to a screenful).</summary>
    public static void Sweep(string fixtureName, ScratchCopy scratch, IReadOnlyList<Mutation> mutations, IReadOnlyCollection<Type> allowed,
        TimeSpan timeout, long allocationCap, Action<string> run, Action<string>? log = null)
    {
        var failures = new List<string>();
        int rejectedCount = 0;
        for (int i = 0; i < mutations.Count; i++)
        {
            Mutation mutation = mutations[i];
            scratch.Apply(mutation);
            try
            {
                string? failure = Run(() => run(scratch.Path), allowed, timeout, allocationCap, out bool rejected);
                if (failure is not null)
                {
                    failures.Add($"{fixtureName} case {i} [{mutation}]: {failure}");
                    if (failure.Contains("a hang", StringComparison.Ordinal))
                    {
                        // The hung thread still holds the file; later cases would not be independent.
                        break;
                    }
                }
                rejectedCount += rejected ? 1 : 0;
            }
            finally
            {
                scratch.Undo(mutation);
            }
        }
        log?.Invoke($"{fixtureName}: {mutations.Count} mutations, {rejectedCount} rejected with {string.Join(" or ", allowed.Select(t => t.Name))}, {mutations.Count - rejectedCount} read through");
        if (failures.Count > 0)
        {
            Assert.Fail($"{failures.Count} of {mutations.Count} mutations misbehaved:\n" + string.Join("\n", failures.Take(15)));
        }
    }
}
