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
public static class DescriptorScanner
{
    /// <summary>A gzip member inflating to more than this is not a descriptor and is abandoned.</summary>
    public const int MaxInflatedBytes = 16 << 20;

    /// <summary>Total inflation work per scan, so a file full of gzip streams still costs bounded time.</summary>
    public const long MaxTotalInflatedBytes = 512L << 20;

    /// <summary>Nesting depth allowed inside a descriptor (messages in messages); real protos stay far below.</summary>
    public const int RecursionLimit = 64;

    private const int MaxNameLength = 1024;
    private const int MaxBackoffAttempts = 8;

    public static IReadOnlyList<EmbeddedDescriptor> Scan(ReadOnlyMemory<byte> memory) => Scan(memory, RecursionLimit);

    /// <summary>As <see cref="Scan(ReadOnlyMemory{byte})"/>, with a chosen nesting limit (tests use a low one).</summary>
    public static IReadOnlyList<EmbeddedDescriptor> Scan(ReadOnlyMemory<byte> memory, int recursionLimit)
    {
        var data = memory.Span;
        var found = new List<EmbeddedDescriptor>();
        var seen = new HashSet<(string, string)>();
        long inflatedBudget = MaxTotalInflatedBytes;

        int nextProto = NextIndex(data, 0, ".proto"u8);
        int nextGzip = NextIndex(data, 0, [0x1F, 0x8B, 0x08]);
        int resumeRawAt = 0;
        while (nextProto >= 0 || nextGzip >= 0)
        {
            bool takeProto = nextGzip < 0 || (nextProto >= 0 && nextProto < nextGzip);
            if (takeProto)
            {
                int nameEnd = nextProto + 6;
                if (nextProto >= resumeRawAt && TryRawAt(data, nameEnd, recursionLimit, out var descriptor))
                {
                    Add(found, seen, descriptor!);
                    // Names inside this descriptor (its dependencies) end in ".proto" too: skip past it.
                    resumeRawAt = (int)descriptor!.Offset + descriptor.Bytes.Length;
                }
                nextProto = NextIndex(data, nameEnd, ".proto"u8);
            }
            else
            {
                if (inflatedBudget > 0 && TryGzipAt(memory, nextGzip, recursionLimit, ref inflatedBudget, out var descriptor))
                {
                    Add(found, seen, descriptor!);
                }
                nextGzip = NextIndex(data, nextGzip + 3, [0x1F, 0x8B, 0x08]);
            }
        }
        return found;
    }

    private static void Add(List<EmbeddedDescriptor> found, HashSet<(string, string)> seen, EmbeddedDescriptor descriptor)
    {
        if (seen.Add((descriptor.File, Convert.ToHexString(SHA256.HashData(descriptor.Bytes)))))
        {
            found.Add(descriptor);
        }
    }

    private static int NextIndex(ReadOnlySpan<byte> data, int from, ReadOnlySpan<byte> needle)
    {
        if (from >= data.Length)
        {
            return -1;
        }
        int index = data[from..].IndexOf(needle);
        return index < 0 ? -1 : from + index;
    }

    /// <summary>
    /// A raw descriptor starts with field 1 (tag 0x0A), a varint length and the file name, which ends in ".proto" at
    /// <paramref name="nameEnd"/>. We do not know the name's length, so try every length whose varint fits.
    /// </summary>
    private static bool TryRawAt(ReadOnlySpan<byte> data, int nameEnd, int recursionLimit, out EmbeddedDescriptor? descriptor)
    {
        descriptor = null;
        for (int length = 7; length <= MaxNameLength && length + 2 <= nameEnd; length++)
        {
            int nameStart = nameEnd - length;
            if (!IsPrintable(data[nameStart]))
            {
                return false; // the name cannot start further back than a non-printable byte
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
            if (lengthMatches && TryMeasureAndParse(data[start..], start, recursionLimit, out descriptor))
            {
                return true;
            }
        }
        return false;
    }

    private static bool TryMeasureAndParse(ReadOnlySpan<byte> candidate, int offset, int recursionLimit, out EmbeddedDescriptor? descriptor)
    {
        descriptor = null;
        var ends = ProtoWireWalker.FileDescriptorFieldEnds(candidate);
        // Bytes after the message may happen to look like one more field; back off a few field boundaries.
        for (int i = ends.Count - 1; i >= 0 && i >= ends.Count - MaxBackoffAttempts; i--)
        {
            byte[] bytes = candidate[..ends[i]].ToArray();
            var outcome = TryParse(bytes, "raw", offset, recursionLimit, out descriptor);
            if (outcome == ParseOutcome.Parsed)
            {
                return true;
            }
            if (outcome == ParseOutcome.TooDeep)
            {
                // Dropping fields would only hide the deep messages and report a descriptor missing them.
                return false;
            }
        }
        return false;
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
    /// field 1 with a name ending in ".proto", and it must stay under <see cref="MaxInflatedBytes"/>.
    /// </summary>
    private static byte[]? Inflate(ReadOnlyMemory<byte> compressed, ref long budget)
    {
        using var input = new ReadOnlyMemoryStream(compressed);
        using var inflater = new DeflateStream(input, CompressionMode.Decompress);
        var output = new MemoryStream();
        var buffer = new byte[16 * 1024];
        try
        {
            bool headerChecked = false;
            while (true)
            {
                int read = inflater.Read(buffer, 0, buffer.Length);
                if (read == 0)
                {
                    break;
                }
                budget -= read;
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

    private static ParseOutcome TryParse(byte[] bytes, string encoding, long offset, int recursionLimit, out EmbeddedDescriptor? descriptor)
    {
        descriptor = null;
        FileDescriptorProto proto;
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
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
        var services = proto.Service
            .Select(s => proto.Package.Length == 0 ? s.Name : proto.Package + "." + s.Name)
            .ToList();
        descriptor = new EmbeddedDescriptor(proto.Name, proto.Package, services, encoding, offset, bytes);
        return ParseOutcome.Parsed;
    }

    private static bool IsPrintable(byte b) => b is > 0x20 and < 0x7F;
}
