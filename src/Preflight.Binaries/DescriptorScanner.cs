using System.IO.Compression;
using System.Security.Cryptography;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Preflight.Binaries;

/// <summary>
/// Finds every serialized FileDescriptorProto in a binary, raw (rust-protobuf, protobuf-go, C++) or gzipped
/// (golang/protobuf v1, gogo). One forward pass: two vectorized cursors (".proto" for raw descriptors, the gzip
/// magic for compressed ones) advance together and real parsing happens only at candidates. Recall matters most
/// (a missed descriptor hides an incompatibility), so every plausible candidate is tried; a candidate is kept only
/// when Google.Protobuf parses it and every name in it is a well-formed protobuf name.
/// </summary>
/// <remarks>
/// The scan stays linear in the file, whatever the file holds. A raw candidate may span at most
/// <see cref="MaxRawDescriptorBytes"/> and is parsed in place (copied only once accepted). Each candidate's work
/// (bytes walked and parsed) is charged to an allowance of <see cref="WorkPerInputByte"/> times the file plus
/// <see cref="BaseWorkAllowance"/>: real binaries spend a fraction of one pass, since false candidates there die
/// within a few bytes. A file built so that every header's length field covers the rest of the file (issue 11:
/// 100,000 such headers took 193 s) spends it quickly; from then on all the bytes a candidate walked are skipped,
/// whether it was rejected or kept after backing off, so what remains costs one more pass at most. Gzip members are
/// charged the compressed bytes they read as well as the bytes they inflate, against
/// <see cref="MaxTotalInflatedBytes"/>.
/// </remarks>
public static class DescriptorScanner
{
    /// <summary>A gzip member inflating to more than this is not a descriptor and is abandoned.</summary>
    public const int MaxInflatedBytes = 16 << 20;

    /// <summary>
    /// Total inflation work per scan (compressed bytes read plus bytes inflated), so a file full of gzip streams still
    /// costs bounded time.
    /// </summary>
    public const long MaxTotalInflatedBytes = 512L << 20;

    /// <summary>
    /// The largest raw descriptor looked for: a candidate's fields are walked and parsed within this many bytes of its
    /// start. Kata's agent.proto is about 20 KiB; the largest descriptors in wide use (Google API surfaces) stay under
    /// a few MiB.
    /// </summary>
    public const int MaxRawDescriptorBytes = 16 << 20;

    /// <summary>Raw-candidate work allowed per byte of input before walked regions are skipped.</summary>
    public const int WorkPerInputByte = 2;

    /// <summary>Raw-candidate work allowed whatever the file's size, so small files never reach the skipping mode.</summary>
    public const long BaseWorkAllowance = 16 << 20;

    /// <summary>
    /// Distinct descriptors one binary may carry. containerd carries under a hundred and the largest Go binaries a
    /// few hundred; a file of tiny back-to-back descriptors would otherwise keep hundreds of bytes of parsed state per
    /// dozen bytes of input.
    /// </summary>
    public const int MaxDescriptors = 10_000;

    /// <summary>Nesting depth allowed inside a descriptor (messages in messages); real protos stay far below.</summary>
    public const int RecursionLimit = 64;

    private const int MaxNameLength = 1024;
    private const int MaxBackoffAttempts = 8;

    public static IReadOnlyList<EmbeddedDescriptor> Scan(ReadOnlyMemory<byte> memory) => Scan(memory, RecursionLimit);

    /// <summary>As <see cref="Scan(ReadOnlyMemory{byte})"/>, naming <paramref name="source"/> when the file is refused.</summary>
    public static IReadOnlyList<EmbeddedDescriptor> Scan(ReadOnlyMemory<byte> memory, string source)
    {
        var search = new Search(source, memory.Length);
        search.ScanWindow(memory, 0, memory.Length);
        return search.Found;
    }

    /// <summary>As <see cref="Scan(ReadOnlyMemory{byte})"/>, with a chosen nesting limit (tests use a low one).</summary>
    public static IReadOnlyList<EmbeddedDescriptor> Scan(ReadOnlyMemory<byte> memory, int recursionLimit) =>
        Scan(memory, recursionLimit, out _);

    /// <summary>As <see cref="Scan(ReadOnlyMemory{byte}, int)"/>, also telling how much raw-candidate work was spent.</summary>
    internal static IReadOnlyList<EmbeddedDescriptor> Scan(ReadOnlyMemory<byte> memory, int recursionLimit, out ScanWork work)
    {
        var search = new Search("binary", memory.Length, recursionLimit);
        search.ScanWindow(memory, 0, memory.Length);
        work = search.Work;
        return search.Found;
    }

    /// <summary>
    /// One scan's state (descriptors found, budgets, where raw candidates resume), so the scan can walk a binary window
    /// by window and still decide every candidate exactly as one pass over the whole file would.
    /// </summary>
    internal sealed class Search
    {
        private readonly string _source;
        private readonly int _recursionLimit;
        private readonly HashSet<(string, string)> _seen = [];
        private readonly long _workAllowance;
        private long _inflatedBudget = MaxTotalInflatedBytes;
        private long _workSpent;
        private int _skippedRegions;
        private int _resumeRawAt;

        /// <param name="source">The file, as errors name it.</param>
        /// <param name="fileLength">The whole file's size, which sets the work allowance.</param>
        public Search(string source, long fileLength, int recursionLimit = RecursionLimit)
        {
            _source = source;
            _recursionLimit = recursionLimit;
            _workAllowance = WorkPerInputByte * fileLength + BaseWorkAllowance;
        }

        public List<EmbeddedDescriptor> Found { get; } = [];

        public ScanWork Work => new(_workSpent, _workAllowance, _skippedRegions);

        /// <summary>
        /// Tries every candidate whose ".proto" or gzip magic starts at a file offset in [start, end); a candidate's
        /// bytes may run past <paramref name="end"/>, so <paramref name="memory"/> is the whole file.
        /// </summary>
        public void ScanWindow(ReadOnlyMemory<byte> memory, int start, int end)
        {
            var data = memory.Span;
            int nextProto = NextIndex(data, start, end, ".proto"u8);
            int nextGzip = NextIndex(data, start, end, [0x1F, 0x8B, 0x08]);
            while (nextProto >= 0 || nextGzip >= 0)
            {
                bool takeProto = nextGzip < 0 || (nextProto >= 0 && nextProto < nextGzip);
                if (takeProto)
                {
                    int nameEnd = nextProto + 6;
                    if (nextProto >= _resumeRawAt)
                    {
                        RawAttempt attempt = TryRawAt(memory, nameEnd, _recursionLimit);
                        _workSpent += attempt.Work;
                        if (attempt.Descriptor is EmbeddedDescriptor descriptor)
                        {
                            Add(descriptor);
                            // Names inside this descriptor (its dependencies) end in ".proto" too: skip past it.
                            _resumeRawAt = (int)descriptor.Offset + descriptor.Bytes.Length;
                        }
                        if (_workSpent > _workAllowance && attempt.RegionEnd > _resumeRawAt)
                        {
                            // Past the allowance only a hostile file is still being scanned: skip all this candidate
                            // walked (also the fields a kept descriptor shed when backing off), so no byte is walked
                            // by more than one candidate from here on.
                            _resumeRawAt = attempt.RegionEnd;
                            _skippedRegions++;
                        }
                    }
                    nextProto = NextIndex(data, Math.Max(nameEnd, _resumeRawAt), end, ".proto"u8);
                }
                else
                {
                    if (_inflatedBudget > 0 && TryGzipAt(memory, nextGzip, _recursionLimit, ref _inflatedBudget, out var descriptor))
                    {
                        Add(descriptor!);
                    }
                    nextGzip = NextIndex(data, nextGzip + 3, end, [0x1F, 0x8B, 0x08]);
                }
            }
        }

        private void Add(EmbeddedDescriptor descriptor)
        {
            if (_seen.Add((descriptor.File, Convert.ToHexString(SHA256.HashData(descriptor.Bytes)))))
            {
                if (Found.Count == MaxDescriptors)
                {
                    // Keeping the first ones would silently drop the rest, and a verdict on part of a protocol is no
                    // verdict: the binary is refused instead.
                    throw new BinaryFormatException(_source, descriptor.Offset,
                        $"more than {MaxDescriptors} protobuf descriptors embedded; no real binary carries that many");
                }
                Found.Add(descriptor);
            }
        }
    }

    /// <summary>The first occurrence of <paramref name="needle"/> starting in [from, end), or -1.</summary>
    private static int NextIndex(ReadOnlySpan<byte> data, int from, int end, ReadOnlySpan<byte> needle)
    {
        if (from >= end)
        {
            return -1;
        }
        int searchEnd = (int)Math.Min(data.Length, (long)end + needle.Length - 1);
        int index = data[from..searchEnd].IndexOf(needle);
        return index < 0 ? -1 : from + index;
    }

    /// <summary>
    /// What one raw candidate gave: the descriptor (or null), the bytes walked and parsed, and where the furthest
    /// walk of its fields ended (the region it claimed; equal to its start when nothing was walked).
    /// </summary>
    private readonly record struct RawAttempt(EmbeddedDescriptor? Descriptor, long Work, int RegionEnd);

    /// <summary>
    /// A raw descriptor starts with field 1 (tag 0x0A), a varint length and the file name, which ends in ".proto" at
    /// <paramref name="nameEnd"/>. The name is printable and the tag is not, so the name starts where the run of
    /// printable bytes before <paramref name="nameEnd"/> starts, or one byte later when the length byte itself is
    /// printable (a name of 33 to 126 bytes): two places to try, found with one vectorized search.
    /// </summary>
    private static RawAttempt TryRawAt(ReadOnlyMemory<byte> memory, int nameEnd, int recursionLimit)
    {
        var data = memory.Span;
        int searchFrom = Math.Max(0, nameEnd - MaxNameLength - 1);
        int lastUnprintable = data[searchFrom..nameEnd].LastIndexOfAnyExceptInRange((byte)0x21, (byte)0x7E);
        int runStart = lastUnprintable < 0 ? searchFrom : searchFrom + lastUnprintable + 1;
        long work = 0;
        int regionEnd = nameEnd;
        foreach (int nameStart in (ReadOnlySpan<int>)[runStart + 1, runStart])
        {
            int length = nameEnd - nameStart;
            if (length is < 7 or > MaxNameLength)
            {
                continue;
            }
            int varintLength = length < 128 ? 1 : 2;
            int start = nameStart - varintLength - 1;
            if (start < 0 || data[start] != 0x0A)
            {
                continue;
            }
            bool lengthMatches = varintLength == 1
                ? data[start + 1] == length
                : data[start + 1] == (byte)((length & 0x7F) | 0x80) && data[start + 2] == (byte)(length >> 7);
            if (!lengthMatches)
            {
                continue;
            }
            RawAttempt attempt = TryMeasureAndParse(memory, start, recursionLimit);
            work += attempt.Work;
            regionEnd = Math.Max(regionEnd, attempt.RegionEnd);
            if (attempt.Descriptor is not null)
            {
                return attempt with { Work = work };
            }
        }
        return new RawAttempt(null, work, regionEnd);
    }

    private static RawAttempt TryMeasureAndParse(ReadOnlyMemory<byte> memory, int offset, int recursionLimit)
    {
        var candidate = memory.Slice(offset, Math.Min(MaxRawDescriptorBytes, memory.Length - offset));
        var ends = ProtoWireWalker.FileDescriptorFieldEnds(candidate.Span);
        int walked = ends.Count == 0 ? 0 : ends[^1];
        long work = walked;
        // Bytes after the message may happen to look like one more field; back off a few field boundaries.
        for (int i = ends.Count - 1; i >= 0 && i >= ends.Count - MaxBackoffAttempts; i--)
        {
            work += ends[i];
            var outcome = TryParse(candidate[..ends[i]], "raw", offset, recursionLimit, out var descriptor);
            if (outcome == ParseOutcome.Parsed)
            {
                return new RawAttempt(descriptor, work, offset + walked);
            }
            if (outcome == ParseOutcome.TooDeep)
            {
                // Dropping fields would only hide the deep messages and report a descriptor missing them.
                break;
            }
        }
        return new RawAttempt(null, work, offset + walked);
    }

    private static bool TryGzipAt(ReadOnlyMemory<byte> data, int offset, int recursionLimit, ref long budget, out EmbeddedDescriptor? descriptor)
    {
        descriptor = null;
        int deflateStart = GzipHeaderLength(data.Span[offset..]);
        if (deflateStart < 0)
        {
            return false;
        }
        byte[]? inflated = Inflate(data[(offset + deflateStart)..], ref budget);
        if (inflated is null)
        {
            return false;
        }
        // The whole member must be exactly one FileDescriptorProto.
        var ends = ProtoWireWalker.FileDescriptorFieldEnds(inflated);
        return ends.Count > 0 && ends[^1] == inflated.Length
            && TryParse(inflated, "gzip", offset, recursionLimit, out descriptor) == ParseOutcome.Parsed;
    }

    /// <summary>Length of a gzip member header (RFC 1952), or -1 when the bytes are not one.</summary>
    private static int GzipHeaderLength(ReadOnlySpan<byte> data)
    {
        const byte FlagHeaderCrc = 0x02, FlagExtra = 0x04, FlagName = 0x08, FlagComment = 0x10;
        if (data.Length < 18 || (data[3] & 0xE0) != 0)
        {
            return -1;
        }
        byte flags = data[3];
        int position = 10;
        if ((flags & FlagExtra) != 0)
        {
            position += 2 + (data[position] | data[position + 1] << 8);
        }
        foreach (byte flag in new[] { FlagName, FlagComment })
        {
            if ((flags & flag) != 0 && position < data.Length)
            {
                int end = data[position..].IndexOf((byte)0);
                if (end < 0)
                {
                    return -1;
                }
                position += end + 1;
            }
        }
        if ((flags & FlagHeaderCrc) != 0)
        {
            position += 2;
        }
        return position < data.Length ? position : -1;
    }

    /// <summary>
    /// Inflates one deflate stream, giving up as soon as the output cannot be a descriptor: its first bytes must be
    /// field 1 with a name ending in ".proto", and it must stay under <see cref="MaxInflatedBytes"/>. The compressed
    /// bytes read are charged to <paramref name="budget"/> too: a stream of empty stored blocks inflates to nothing
    /// while reading the rest of the file.
    /// </summary>
    private static byte[]? Inflate(ReadOnlyMemory<byte> compressed, ref long budget)
    {
        using var input = new ReadOnlyMemoryStream(compressed);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        long inputCharged = 0;
        try
        {
            bool headerChecked = false;
            while (true)
            {
                int read = inflater.Read(buffer, 0, buffer.Length);
                budget -= read + (input.Position - inputCharged);
                inputCharged = input.Position;
                if (read == 0)
                {
                    break;
                }
                output.Write(buffer, 0, read);
                if (output.Length > MaxInflatedBytes || budget < 0)
                {
                    return null;
                }
                if (!headerChecked && output.Length >= 2)
                {
                    if (!LooksLikeDescriptorStart(output.GetBuffer().AsSpan(0, (int)output.Length)))
                    {
                        return null;
                    }
                    headerChecked = true;
                }
            }
        }
        catch (InvalidDataException)
        {
            budget -= input.Position - inputCharged;
            return null;
        }
        return output.Length == 0 ? null : output.ToArray();
    }

    private static bool LooksLikeDescriptorStart(ReadOnlySpan<byte> head)
    {
        if (head[0] != 0x0A)
        {
            return false;
        }
        int position = 1;
        if (!ProtoWireWalker.TryReadVarint(head, ref position, out ulong length))
        {
            return head.Length < 4; // the varint is not complete yet; decide later
        }
        return length is >= 7 and <= MaxNameLength;
    }

    private enum ParseOutcome { Parsed, Rejected, TooDeep }

    /// <summary>Parses the bytes in place; they are copied into the descriptor only when it is accepted.</summary>
    private static ParseOutcome TryParse(ReadOnlyMemory<byte> bytes, string encoding, long offset, int recursionLimit, out EmbeddedDescriptor? descriptor)
    {
        descriptor = null;
        bytes = ProtoWireWalker.WithoutSourceCodeInfo(bytes);
        FileDescriptorProto proto;
        try
        {
            using var stream = new ReadOnlyMemoryStream(bytes);
            var input = CodedInputStream.CreateWithLimits(stream, bytes.Length + 1, recursionLimit);
            proto = FileDescriptorProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Google.Protobuf's type for this case is internal; its message names the nesting.
            return e.Message.Contains("nesting", StringComparison.Ordinal) ? ParseOutcome.TooDeep : ParseOutcome.Rejected;
        }
        if (!DescriptorNames.AreWellFormed(proto))
        {
            return ParseOutcome.Rejected;
        }
        var services = new List<string>();
        var methods = new List<(string Service, string Method)>();
        foreach (var service in proto.Service)
        {
            string name = proto.Package.Length == 0 ? service.Name : proto.Package + "." + service.Name;
            services.Add(name);
            methods.AddRange(service.Method.Select(m => (name, m.Name)));
        }
        descriptor = new EmbeddedDescriptor(proto.Name, proto.Package, services, methods, encoding, offset, bytes.ToArray());
        return ParseOutcome.Parsed;
    }

}

/// <summary>
/// How much raw-candidate work a scan spent (bytes walked and parsed), its allowance, and how many rejected regions it
/// skipped once past the allowance (zero on every real binary: the tests hold the scanner to that).
/// </summary>
internal readonly record struct ScanWork(long Spent, long Allowance, int SkippedRegions);
