using System.Globalization;
using System.Text;
using Google.Protobuf.Reflection;
using FieldLabel = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;
using FieldType = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Type;

namespace Preflight.Protocol;

/// <summary>
/// Writes a FileDescriptorProto back as .proto source that protoc accepts (for `export-proto`): syntax, package,
/// imports, messages with nested types, enums, oneofs, maps, proto3 optional, proto2 defaults and packing,
/// reserved ranges, and services with streaming. Options with no effect on the wire (go_package and friends) and
/// comments are dropped. Type references are written fully qualified (".grpc.Storage") so no scoping can go wrong.
/// The descriptors come from binaries anyone could have built, so what protoc would never write (a oneof index out
/// of range, two map entries of one name, a map entry without its key or value) is a
/// <see cref="ProtocolFormatException"/> naming the problem, never a crash.
/// </summary>
public static class ProtoSourceWriter
{
    /// <summary>
    /// Messages declared inside messages deeper than this are refused: the writer recurses once per level. It is
    /// Google.Protobuf's default parse recursion limit, so any descriptor that parsed with default settings fits.
    /// </summary>
    public const int MaxNestingDepth = 100;

    public static string Write(FileDescriptorProto file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var writer = new Writer(file);
        writer.WriteFile();
        return writer.ToString();
    }

    private sealed class Writer(FileDescriptorProto file)
    {
        private readonly StringBuilder text = new();
        private readonly bool proto3 = file.Syntax == "proto3";

        public override string ToString() => text.ToString();

        public void WriteFile()
        {
            Line(0, $"syntax = \"{(proto3 ? "proto3" : "proto2")}\";");
            if (file.Package.Length > 0)
            {
                Line(0, $"package {file.Package};");
            }
            for (int i = 0; i < file.Dependency.Count; i++)
            {
                string modifier = file.PublicDependency.Contains(i) ? "public " : file.WeakDependency.Contains(i) ? "weak " : "";
                Line(0, $"import {modifier}\"{file.Dependency[i]}\";");
            }
            foreach (var message in file.MessageType)
            {
                text.Append('\n');
                WriteMessage(message, 0);
            }
            foreach (var enumType in file.EnumType)
            {
                text.Append('\n');
                WriteEnum(enumType, 0);
            }
            foreach (var service in file.Service)
            {
                text.Append('\n');
                WriteService(service);
            }
        }

        private void WriteMessage(DescriptorProto message, int depth)
        {
            if (depth >= MaxNestingDepth)
            {
                throw Malformed($"message {message.Name} is declared more than {MaxNestingDepth} messages deep");
            }
            Line(depth, $"message {message.Name} {{");
            var mapEntries = MapEntries(message);
            foreach (var nested in message.NestedType.Where(n => n.Options?.MapEntry != true))
            {
                WriteMessage(nested, depth + 1);
            }
            foreach (var enumType in message.EnumType)
            {
                WriteEnum(enumType, depth + 1);
            }
            // Fields in declaration order; a real oneof's fields are written inside it where its first field stood.
            var writtenOneofs = new HashSet<int>();
            foreach (var field in message.Field)
            {
                if (field.HasOneofIndex && !field.Proto3Optional)
                {
                    if (field.OneofIndex < 0 || field.OneofIndex >= message.OneofDecl.Count)
                    {
                        throw Malformed($"field {message.Name}.{field.Name} is in oneof {field.OneofIndex}, " +
                            $"but the message declares {message.OneofDecl.Count} oneof(s)");
                    }
                    if (writtenOneofs.Add(field.OneofIndex))
                    {
                        Line(depth + 1, $"oneof {message.OneofDecl[field.OneofIndex].Name} {{");
                        foreach (var member in message.Field.Where(f => f.HasOneofIndex && f.OneofIndex == field.OneofIndex))
                        {
                            WriteField(member, message, mapEntries, depth + 2, inOneof: true);
                        }
                        Line(depth + 1, "}");
                    }
                    continue;
                }
                WriteField(field, message, mapEntries, depth + 1, inOneof: false);
            }
            foreach (var range in message.ExtensionRange)
            {
                Line(depth + 1, $"extensions {Range(range.Start, range.End)};");
            }
            foreach (var range in message.ReservedRange)
            {
                Line(depth + 1, $"reserved {Range(range.Start, range.End)};");
            }
            if (message.ReservedName.Count > 0)
            {
                Line(depth + 1, "reserved " + string.Join(", ", message.ReservedName.Select(n => $"\"{n}\"")) + ";");
            }
            Line(depth, "}");
        }

        private void WriteField(
            FieldDescriptorProto field, DescriptorProto owner, Dictionary<string, DescriptorProto> mapEntries, int depth, bool inOneof)
        {
            string typeName = field.TypeName;
            string shortName = typeName[(typeName.LastIndexOf('.') + 1)..];
            if (field.Label == FieldLabel.Repeated && field.Type == FieldType.Message
                && mapEntries.TryGetValue(shortName, out var entry) && typeName.EndsWith("." + owner.Name + "." + shortName, StringComparison.Ordinal))
            {
                var key = entry.Field.FirstOrDefault(f => f.Number == 1)
                    ?? throw Malformed($"map entry {owner.Name}.{entry.Name} has no key field (number 1)");
                var value = entry.Field.FirstOrDefault(f => f.Number == 2)
                    ?? throw Malformed($"map entry {owner.Name}.{entry.Name} has no value field (number 2)");
                Line(depth, $"map<{TypeOf(key)}, {TypeOf(value)}> {field.Name} = {field.Number};");
                return;
            }
            string label = inOneof ? ""
                : field.Label == FieldLabel.Repeated ? "repeated "
                : field.Proto3Optional ? "optional "
                : proto3 ? ""
                : field.Label == FieldLabel.Required ? "required " : "optional ";
            var options = new List<string>();
            if (field.HasDefaultValue)
            {
                options.Add("default = " + DefaultValue(field));
            }
            if (field.Options is { HasPacked: true })
            {
                options.Add("packed = " + (field.Options.Packed ? "true" : "false"));
            }
            if (field.Options is { HasDeprecated: true, Deprecated: true })
            {
                options.Add("deprecated = true");
            }
            string suffix = options.Count == 0 ? "" : " [" + string.Join(", ", options) + "]";
            Line(depth, $"{label}{TypeOf(field)} {field.Name} = {field.Number}{suffix};");
        }

        /// <summary>The message's map entry types by name; two of one name cannot both be the type of a field.</summary>
        private Dictionary<string, DescriptorProto> MapEntries(DescriptorProto message)
        {
            var entries = new Dictionary<string, DescriptorProto>(StringComparer.Ordinal);
            foreach (var nested in message.NestedType.Where(n => n.Options?.MapEntry == true))
            {
                if (!entries.TryAdd(nested.Name, nested))
                {
                    throw Malformed($"message {message.Name} declares map entry {nested.Name} twice");
                }
            }
            return entries;
        }

        private ProtocolFormatException Malformed(string problem) => new(file.Name, problem);

        private static string TypeOf(FieldDescriptorProto field) =>
            field.Type is FieldType.Message or FieldType.Enum or FieldType.Group || (!field.HasType && field.HasTypeName)
                ? field.TypeName
                : Walking.FieldTypes.Keyword(field.Type);

        private static string DefaultValue(FieldDescriptorProto field) => field.Type switch
        {
            FieldType.String => Quote(field.DefaultValue),
            // protoc stores bytes defaults C-escaped already.
            FieldType.Bytes => "\"" + field.DefaultValue + "\"",
            _ => field.DefaultValue,
        };

        private static string Quote(string value)
        {
            var quoted = new StringBuilder("\"");
            foreach (char c in value)
            {
                quoted.Append(c switch
                {
                    '"' => "\\\"",
                    '\\' => "\\\\",
                    '\n' => "\\n",
                    '\r' => "\\r",
                    '\t' => "\\t",
                    _ when c < ' ' => "\\" + Convert.ToString(c, 8).PadLeft(3, '0'),
                    _ => c.ToString(),
                });
            }
            return quoted.Append('"').ToString();
        }

        /// <summary>Descriptor ranges are end-exclusive; .proto ranges are inclusive, and 536870912 is "max".</summary>
        private static string Range(int start, int end) =>
            end - 1 == start ? start.ToString(CultureInfo.InvariantCulture)
            : end >= 536870912 ? $"{start} to max"
            : $"{start} to {end - 1}";

        private void WriteEnum(EnumDescriptorProto enumType, int depth)
        {
            Line(depth, $"enum {enumType.Name} {{");
            if (enumType.Options is { HasAllowAlias: true, AllowAlias: true })
            {
                Line(depth + 1, "option allow_alias = true;");
            }
            foreach (var value in enumType.Value)
            {
                Line(depth + 1, $"{value.Name} = {value.Number};");
            }
            foreach (var range in enumType.ReservedRange)
            {
                // Enum reserved ranges are inclusive in the descriptor too.
                Line(depth + 1, range.Start == range.End ? $"reserved {range.Start};" : $"reserved {range.Start} to {range.End};");
            }
            if (enumType.ReservedName.Count > 0)
            {
                Line(depth + 1, "reserved " + string.Join(", ", enumType.ReservedName.Select(n => $"\"{n}\"")) + ";");
            }
            Line(depth, "}");
        }

        private void WriteService(ServiceDescriptorProto service)
        {
            Line(0, $"service {service.Name} {{");
            foreach (var method in service.Method)
            {
                string input = (method.ClientStreaming ? "stream " : "") + method.InputType;
                string output = (method.ServerStreaming ? "stream " : "") + method.OutputType;
                Line(1, $"rpc {method.Name}({input}) returns ({output});");
            }
            Line(0, "}");
        }

        private void Line(int depth, string line) => text.Append(' ', depth * 2).Append(line).Append('\n');
    }
}
