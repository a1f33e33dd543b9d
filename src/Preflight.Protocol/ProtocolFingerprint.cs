using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.Reflection;
using FieldLabel = Google.Protobuf.Reflection.FieldDescriptorProto.Types.Label;

namespace Preflight.Protocol;

/// <summary>
/// A stable hash of the wire surface of the expected services: service and method names, streaming, and for every
/// message reached its field numbers, types, labels and packing, and its enums' numbers. Field, message and enum
/// names are left out and messages are identified by structure, so renaming a field or moving a message to another
/// package keeps the fingerprint; anything that changes bytes on the wire changes it.
/// </summary>
public static class ProtocolFingerprint
{
    /// <summary>Null when the surface has none of the expected services: a hash of nothing would equal every other
    /// hash of nothing (an agent with no protocol, a runtime-rs client, /bin/ls) and prove nothing.</summary>
    public static string? Compute(ProtocolSurface surface, CompatibilityOptions options)
    {
        ArgumentNullException.ThrowIfNull(surface);
        ArgumentNullException.ThrowIfNull(options);
        if (!options.ExpectedServices.Any(surface.Services.ContainsKey))
        {
            return null;
        }
        var canon = new Canonicalizer(surface);
        var text = new StringBuilder();
        foreach (string name in options.ExpectedServices.Order(StringComparer.Ordinal))
        {
            if (!surface.Services.TryGetValue(name, out var service))
            {
                continue;
            }
            text.Append("service ").Append(name).Append('\n');
            foreach (var method in service.Methods)
            {
                text.Append("rpc ").Append(method.Name)
                    .Append(method.ClientStreaming ? " stream" : "").Append(' ').Append(canon.TypeRef(method.InputType))
                    .Append(method.ServerStreaming ? " stream" : "").Append(' ').Append(canon.TypeRef(method.OutputType))
                    .Append('\n');
            }
        }
        return "sha256:" + Hex(text.ToString());
    }

    /// <summary>
    /// What a fingerprint rests on, for reports: "no protocol read" (null fingerprint), "descriptors", "method names
    /// only" (some method has no types: its signature is "untyped" in the hash), "release catalog" or
    /// "descriptors + release catalog" when the catalog supplied part or all of it.
    /// </summary>
    public static string Basis(ProtocolSurface surface, CompatibilityOptions options)
    {
        var services = options.ExpectedServices.Where(surface.Services.ContainsKey).Select(s => surface.Services[s]).ToList();
        if (services.Count == 0)
        {
            return "no protocol read";
        }
        bool untyped = services.Any(s => s.Methods.Any(m => !m.HasTypes));
        string own = untyped ? "method names only" : "descriptors";
        if (surface.CatalogProtocol is null)
        {
            return own;
        }
        bool wholly = services.All(s => s.Evidence == Evidence.Catalog) && !surface.HasDescriptors;
        return wholly ? "release catalog" : (untyped ? "method names" : "descriptors") + " + release catalog";
    }

    private static string Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    /// <summary>
    /// Turns a message into text naming only structure. A child message appears as the hash of its own text, so
    /// shared types cost nothing extra; a message already being described (a recursive type) appears as "^k", k
    /// levels up, which is what makes the description finite and still structural.
    /// </summary>
    private sealed class Canonicalizer(ProtocolSurface surface)
    {
        private readonly Dictionary<string, string> done = new(StringComparer.Ordinal);
        private readonly List<string> stack = [];

        /// <summary>"untyped" for a method known only from strings; "extern:name" for a type no descriptor defines.</summary>
        public string TypeRef(string? type)
        {
            if (type is null)
            {
                return "untyped";
            }
            var (text, _) = Message(type);
            return text;
        }

        /// <summary>The reference text for a message and the lowest stack level it refers back to (int.MaxValue: none).</summary>
        private (string Text, int Lowest) Message(string name)
        {
            int onStack = stack.IndexOf(name);
            if (onStack >= 0)
            {
                return ("^" + (stack.Count - onStack), onStack);
            }
            if (done.TryGetValue(name, out string? cached))
            {
                return (cached, int.MaxValue);
            }
            // Well-known types are fixed by the protobuf project; binaries often leave their descriptors out
            // (rust-protobuf keeps them in its own crate), so they are identified by name, found or not.
            if (name.StartsWith("google.protobuf.", StringComparison.Ordinal))
            {
                return ("wkt:" + name, int.MaxValue);
            }
            var message = surface.FindMessage(name);
            if (message is null)
            {
                return ("extern:" + name, int.MaxValue);
            }
            int level = stack.Count;
            if (level >= Walking.SurfaceWalker.MaxDepth)
            {
                throw new ProtocolFormatException("protocol surface", $"messages nest deeper than {Walking.SurfaceWalker.MaxDepth} levels below {name}");
            }
            stack.Add(name);
            int lowest = int.MaxValue;
            var parts = new List<string>();
            foreach (var field in message.Field.OrderBy(f => f.Number))
            {
                var (part, refLevel) = Field(name, field);
                parts.Add(part);
                lowest = Math.Min(lowest, refLevel);
            }
            stack.RemoveAt(stack.Count - 1);
            string text = "m" + Hex("{" + string.Join(";", parts) + "}")[..32];
            // A description that points above itself depends on where it was reached from, so it is not reused.
            if (lowest >= level)
            {
                done[name] = text;
                return (text, int.MaxValue);
            }
            return (text, lowest);
        }

        private (string Text, int Lowest) Field(string owner, FieldDescriptorProto field)
        {
            var shape = new Walking.FieldShape(owner, field, IsProto3(owner));
            string label = field.Label switch
            {
                FieldLabel.Repeated => shape.Packed ? "packed" : "repeated",
                FieldLabel.Required => "required",
                _ => "single",
            };
            string head = field.Number + ":" + label + ":" + Walking.FieldTypes.Keyword(shape.Type);
            if (shape.IsMessage)
            {
                var (text, lowest) = Message(shape.TypeName);
                return (head + ":" + text, lowest);
            }
            if (shape.IsEnum)
            {
                return (head + ":" + Enum(shape.TypeName), int.MaxValue);
            }
            return (head, int.MaxValue);
        }

        private string Enum(string name)
        {
            var value = surface.FindEnum(name);
            if (value is null)
            {
                return "extern:" + name;
            }
            return "e{" + string.Join(",", value.Value.Select(v => v.Number).Distinct().Order()) + "}";
        }

        private bool IsProto3(string message) =>
            surface.SyntaxByMessage.TryGetValue(message, out string? syntax) && syntax == "proto3";
    }
}
