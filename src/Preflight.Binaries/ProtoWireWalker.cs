namespace Preflight.Binaries;

/// <summary>
/// Walks the top-level fields of a serialized protobuf message without knowing where it ends, to find that end.
/// Embedded descriptors sit in the middle of unrelated bytes, so the walk stops at the first field that cannot be
/// part of a FileDescriptorProto: a field number it does not have, the wrong wire type, a length past the data,
/// or a field number lower than the one before (protoc, protobuf-go and rust-protobuf all write fields in number
/// order, so going backwards means we have left the message). It never recurses.
/// </summary>
internal static class ProtoWireWalker
{
    private const int WireVarint = 0;
    private const int WireLength = 2;

    /// <summary>
    /// The offsets (relative to <paramref name="data"/>) at which each accepted field ends, in order. The message may
    /// end at any of them; the caller tries the longest first. Capped at <paramref name="maxFields"/> fields.
    /// </summary>
    public static List<int> FileDescriptorFieldEnds(ReadOnlySpan<byte> data, int maxFields = 1 << 16)
    {
        var ends = new List<int>();
        int position = 0;
        int lastField = 0;
        while (position < data.Length && ends.Count < maxFields)
        {
            if (!TryReadVarint(data, ref position, out ulong tag) || tag > uint.MaxValue)
            {
                break;
            }
            int field = (int)(tag >> 3);
            int wireType = (int)(tag & 7);
            if (!IsFileDescriptorField(field, wireType) || field < lastField || (field == 1 && lastField == 1))
            {
                break;
            }
            if (wireType == WireVarint)
            {
                if (!TryReadVarint(data, ref position, out _))
                {
                    break;
                }
            }
            else
            {
                if (!TryReadVarint(data, ref position, out ulong length) || length > (ulong)(data.Length - position))
                {
                    break;
                }
                position += (int)length;
            }
            lastField = field;
            ends.Add(position);
        }
        return ends;
    }

    private const int SourceCodeInfoField = 9;

    /// <summary>
    /// The descriptor without its source_code_info (field 9): the locations and comments of the .proto file, which no
    /// reader here uses and which cost more to parse than the rest (one object per span of the source). The bytes are
    /// returned as they are when there is no such field or when a top-level field does not walk (the parser judges
    /// those).
    /// </summary>
    public static ReadOnlyMemory<byte> WithoutSourceCodeInfo(ReadOnlyMemory<byte> descriptor)
    {
        ReadOnlySpan<byte> data = descriptor.Span;
        var kept = new List<(int Start, int End)>();
        bool dropped = false;
        int position = 0;
        while (position < data.Length)
        {
            int fieldStart = position;
            if (!TryReadVarint(data, ref position, out ulong tag) || !TrySkipValue(data, ref position, (int)(tag & 7)))
            {
                return descriptor;
            }
            if (tag >> 3 == SourceCodeInfoField && (tag & 7) == WireLength)
            {
                dropped = true;
            }
            else if (kept.Count > 0 && kept[^1].End == fieldStart)
            {
                kept[^1] = (kept[^1].Start, position);
            }
            else
            {
                kept.Add((fieldStart, position));
            }
        }
        if (!dropped)
        {
            return descriptor;
        }
        var copy = new byte[kept.Sum(range => range.End - range.Start)];
        int at = 0;
        foreach (var (start, end) in kept)
        {
            data[start..end].CopyTo(copy.AsSpan(at));
            at += end - start;
        }
        return copy;
    }

    /// <summary>Steps over one field's value; false for a wire type a descriptor does not use or a value past the data.</summary>
    private static bool TrySkipValue(ReadOnlySpan<byte> data, ref int position, int wireType)
    {
        switch (wireType)
        {
            case WireVarint:
                return TryReadVarint(data, ref position, out _);
            case WireLength:
                if (!TryReadVarint(data, ref position, out ulong length) || length > (ulong)(data.Length - position))
                {
                    return false;
                }
                position += (int)length;
                return true;
            default:
                return false;
        }
    }

    /// <summary>FileDescriptorProto's fields (google/protobuf/descriptor.proto) with the wire types they use.</summary>
    private static bool IsFileDescriptorField(int field, int wireType) => field switch
    {
        // name, package, dependency, message_type, enum_type, service, extension, options, source_code_info, syntax
        1 or 2 or 3 or 4 or 5 or 6 or 7 or 8 or 9 or 12 => wireType == WireLength,
        // public_dependency, weak_dependency: repeated int32, packed or not
        10 or 11 => wireType == WireVarint || wireType == WireLength,
        // edition (enum)
        14 => wireType == WireVarint,
        // option_dependency (repeated string)
        15 => wireType == WireLength,
        _ => false,
    };

    public static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64 && position < data.Length; shift += 7)
        {
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return true;
            }
        }
        return false;
    }
}
