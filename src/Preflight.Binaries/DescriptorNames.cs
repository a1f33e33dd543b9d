using Google.Protobuf.Reflection;

namespace Preflight.Binaries;

/// <summary>
/// Rejects parses that are technically valid protobuf but nonsense: random bytes often decode as some message, so a
/// candidate counts as a descriptor only when its file name, package and every declared name look like protoc wrote
/// them. Nested messages are walked with an explicit depth bound.
/// </summary>
internal static class DescriptorNames
{
    private const int MaxDepth = 64;

    public static bool AreWellFormed(FileDescriptorProto proto)
    {
        if (!proto.Name.EndsWith(".proto", StringComparison.Ordinal) || !proto.Name.All(c => c is > ' ' and < (char)0x7F))
        {
            return false;
        }
        if (proto.Package.Length > 0 && !IsQualifiedName(proto.Package))
        {
            return false;
        }
        // Bytes after a descriptor can pass for one more string field; syntax has only a few honest values.
        if (proto.Syntax is not ("" or "proto2" or "proto3" or "editions"))
        {
            return false;
        }
        if (proto.Dependency.Any(d => !d.EndsWith(".proto", StringComparison.Ordinal)))
        {
            return false;
        }
        return proto.MessageType.All(m => IsWellFormed(m, 0))
            && proto.EnumType.All(e => IsIdentifier(e.Name) && e.Value.All(v => IsIdentifier(v.Name)))
            && proto.Service.All(s => IsIdentifier(s.Name) && s.Method.All(m => IsIdentifier(m.Name)))
            && proto.Extension.All(f => IsIdentifier(f.Name));
    }

    private static bool IsWellFormed(DescriptorProto message, int depth) =>
        depth < MaxDepth
        && IsIdentifier(message.Name)
        && message.Field.All(f => IsIdentifier(f.Name))
        && message.EnumType.All(e => IsIdentifier(e.Name) && e.Value.All(v => IsIdentifier(v.Name)))
        && message.NestedType.All(n => IsWellFormed(n, depth + 1));

    public static bool IsIdentifier(string name) =>
        name.Length > 0 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    public static bool IsQualifiedName(string name) => name.Split('.').All(IsIdentifier);
}
