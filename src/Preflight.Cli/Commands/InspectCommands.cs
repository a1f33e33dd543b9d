using System.CommandLine;
using System.Text.Json;
using Preflight.Binaries;
using Preflight.Checking;
using Preflight.Cli.Reports;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Commands;

/// <summary>`kata-preflight inspect image|binary FILE`: what one input holds, before any comparison.</summary>
public static class InspectCommands
{
    public static Command Build(CliIo io)
    {
        var inspect = new Command("inspect", "Show what a guest image or a binary holds.");
        inspect.Subcommands.Add(BuildImage(io));
        inspect.Subcommands.Add(BuildBinary(io));
        return inspect;
    }

    private static Command BuildImage(CliIo io)
    {
        var file = CommonOptions.File("FILE", "A Kata guest image: raw disk image (any layout) or initrd.");
        var format = CommonOptions.Format("text", "json");
        var command = new Command("image", "Show the image's layout, filesystem, where the agent is, and the osbuilder metadata.") { file, format };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            CliInputs.RequireFile(path, allowBlockDevice: true);
            ImageInspection image = ImageInspector.Inspect(path, path, CompatibilityOptions.Default.ConstantValues.ToList());
            if (parse.GetValue(format) == "json")
            {
                io.Out.WriteLine(Json.Write(w => WriteImageJson(w, image)));
            }
            else
            {
                WriteImageText(io.Out, image);
            }
            if (image.Agent is null)
            {
                io.Error.WriteLine($"kata-preflight: error: {path}: no kata-agent found in the image");
                return ExitCodes.Unreadable;
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command BuildBinary(CliIo io)
    {
        var file = CommonOptions.File("FILE", "An ELF binary: kata-agent, containerd-shim-kata-v2, kata-runtime, or any other.");
        var format = CommonOptions.Format("text", "json");
        var command = new Command("binary", "Show the binary's architecture, versions, Go build info, transport, embedded protobuf descriptors and methods.") { file, format };
        command.SetAction(parse =>
        {
            string path = parse.GetValue(file)!;
            CliInputs.RequireFile(path);
            ReleaseCatalog.LoadInBackground();
            BinaryFacts facts = BinaryInspector.InspectFile(path, CompatibilityOptions.Default.ConstantValues.ToList());
            ResolvedProtocol resolved = ProtocolResolver.ForBinary(facts, "binary", CompatibilityOptions.Default);
            if (parse.GetValue(format) == "json")
            {
                io.Out.WriteLine(Json.Write(w => WriteBinaryJson(w, facts, resolved)));
            }
            else
            {
                WriteBinaryText(io.Out, facts, resolved);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void WriteImageJson(Utf8JsonWriter w, ImageInspection image)
    {
        w.WriteStartObject();
        w.WriteString("path", image.Path);
        w.WriteString("layout", image.Layout.Name());
        w.WriteString("filesystem", image.FileSystem.Name());
        w.WriteNumber("partitionOffset", image.PartitionOffset);
        w.ObjectOrNull("agent", image.Agent, (x, agent) =>
        {
            x.WriteString("path", agent.ResolvedPath);
            x.WriteString("namedAs", agent.Path);
            x.WriteString("foundBy", agent.FoundBy.Name());
            x.WriteNumber("size", agent.Length);
            x.StringOrNull("sha256", image.AgentFacts?.Sha256);
            x.StringOrNull("version", image.AgentFacts?.Version?.Version);
            x.StringOrNull("commit", image.AgentFacts?.Version?.Commit);
        });
        w.ObjectOrNull("osbuilder", image.OsBuilder, (x, o) =>
        {
            x.StringOrNull("version", o.OsBuilderVersion);
            x.StringOrNull("url", o.OsBuilderUrl);
            x.StringOrNull("rootfsCreationTime", o.RootfsCreationTime);
            x.StringOrNull("description", o.Description);
            x.StringOrNull("architecture", o.Architecture);
            x.StringOrNull("baseDistro", o.BaseDistroName);
            x.StringOrNull("baseDistroVersion", o.BaseDistroVersion);
            x.StringOrNull("agentName", o.AgentName);
            x.StringOrNull("agentVersion", o.AgentVersion);
            x.StringOrNull("agentUrl", o.AgentUrl);
            if (o.AgentIsInitDaemon is bool isInit)
            {
                x.WriteBoolean("agentIsInitDaemon", isInit);
            }
            else
            {
                x.WriteNull("agentIsInitDaemon");
            }
        });
        w.WriteNumber("bytesRead", image.BytesRead);
        w.WriteEndObject();
    }

    private static void WriteImageText(TextWriter o, ImageInspection image)
    {
        o.WriteLine($"image       {image.Path}");
        o.WriteLine($"layout      {image.Layout.Name()}" + (image.PartitionOffset > 0 ? $" (rootfs at byte {image.PartitionOffset})" : ""));
        o.WriteLine($"filesystem  {image.FileSystem.Name()}");
        if (image.Agent is AgentLocation agent)
        {
            string via = agent.Path == agent.ResolvedPath ? "" : $" (via {agent.Path})";
            o.WriteLine($"agent       {agent.ResolvedPath}{via}, found by {agent.FoundBy.Name()}, {agent.Length} bytes");
            if (image.AgentFacts is BinaryFacts facts)
            {
                o.WriteLine($"  sha256    {facts.Sha256}");
                o.WriteLine($"  version   {facts.Version?.Version ?? "unknown"}" + (facts.Version?.Commit is string c ? $" (commit {c})" : ""));
            }
        }
        else
        {
            o.WriteLine("agent       not found");
        }
        if (image.OsBuilder is OsBuilderInfo osb)
        {
            o.WriteLine($"osbuilder   {osb.OsBuilderVersion ?? "?"}, {osb.BaseDistroName} {osb.BaseDistroVersion}, {osb.Architecture}, built {osb.RootfsCreationTime}");
            o.WriteLine($"  agent     {osb.AgentName} {osb.AgentVersion} (as recorded at build time; the binary is the truth)");
        }
        o.WriteLine($"read        {image.BytesRead} bytes of the image");
    }

    private static void WriteBinaryJson(Utf8JsonWriter w, BinaryFacts facts, ResolvedProtocol resolved)
    {
        w.WriteStartObject();
        w.WriteString("path", facts.Source);
        w.WriteNumber("size", facts.Size);
        w.WriteString("sha256", facts.Sha256);
        w.ObjectOrNull("elf", facts.Elf, (x, elf) =>
        {
            x.WriteString("machine", elf.Machine);
            x.WriteString("endianness", elf.Endianness);
            x.WriteNumber("class", elf.Class);
            x.StringOrNull("buildId", elf.BuildId);
            x.WriteBoolean("stripped", elf.Stripped);
        });
        w.WriteStartArray("descriptors");
        foreach (EmbeddedDescriptor d in facts.Descriptors)
        {
            w.WriteStartObject();
            w.WriteString("file", d.File);
            w.WriteString("package", d.Package);
            w.StringArray("services", d.Services);
            w.WriteString("encoding", d.Encoding);
            w.WriteNumber("offset", d.Offset);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("methods");
        foreach (MethodEvidence m in facts.Methods)
        {
            w.WriteStartObject();
            w.WriteString("name", m.FullName);
            w.WriteString("evidence", m.Evidence);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        // One transport answer per binary: the one `check` compares (libraries linked, else its release's era).
        w.StringOrNull("transport", resolved.Surface.Transport.Name());
        w.ObjectOrNull("go", facts.Go, (x, go) =>
        {
            x.WriteString("version", go.GoVersion);
            x.StringOrNull("path", go.Path);
            x.WriteStartArray("modules");
            foreach (GoModule module in go.Modules)
            {
                x.WriteStartObject();
                x.WriteString("path", module.Path);
                x.WriteString("version", module.Version);
                x.StringOrNull("sum", module.Sum);
                x.WriteEndObject();
            }
            x.WriteEndArray();
        });
        w.ObjectOrNull("version", facts.Version, (x, v) =>
        {
            x.StringOrNull("program", v.Program);
            x.StringOrNull("version", v.Version);
            x.StringOrNull("apiVersion", v.ApiVersion);
            x.StringOrNull("commit", v.Commit);
            x.WriteString("evidence", v.Evidence);
        });
        w.WriteStartArray("constants");
        foreach (ConstantEvidence c in facts.Constants.Where(c => c.Occurrences > 0))
        {
            w.WriteStartObject();
            w.WriteString("value", c.Value);
            w.WriteBoolean("present", c.Present);
            w.WriteNumber("occurrences", c.Occurrences);
            w.WriteString("evidence", c.Evidence);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.StringOrNull("fingerprint", resolved.Fingerprint);
        w.WriteString("fingerprintBasis", resolved.FingerprintBasis);
        w.StringOrNull("releases", resolved.MatchingReleasesText);
        w.StringOrNull("catalogProtocol", resolved.Surface.CatalogProtocol);
        w.WriteEndObject();
    }

    private static void WriteBinaryText(TextWriter o, BinaryFacts facts, ResolvedProtocol resolved)
    {
        o.WriteLine($"binary      {facts.Source} ({facts.Size} bytes)");
        o.WriteLine($"sha256      {facts.Sha256}");
        if (facts.Elf is ElfInfo elf)
        {
            o.WriteLine($"elf         {elf.Machine}, {elf.Class}-bit {elf.Endianness}-endian{(elf.Stripped ? ", stripped" : "")}" +
                (elf.BuildId is string id ? $", build-id {id}" : ""));
        }
        if (facts.Version is VersionFacts v)
        {
            o.WriteLine($"version     {v.Program ?? "?"} {v.Version ?? "unknown"}" +
                (v.ApiVersion is string api ? $", api {api}" : "") + (v.Commit is string c ? $", commit {c}" : "") + $" ({v.Evidence})");
        }
        else
        {
            o.WriteLine("version     unknown");
        }
        o.WriteLine($"transport   {resolved.Surface.Transport.Name() ?? "unknown"}" +
            (facts.TransportLibraries.Count > 0 ? $" (libraries linked: {string.Join(", ", facts.TransportLibraries.Select(library => library.Name()))})" : ""));
        if (facts.Go is GoBuildInfo go)
        {
            o.WriteLine($"go          {go.GoVersion}, {go.Path}, {go.Modules.Count} modules");
        }
        o.WriteLine($"descriptors {facts.Descriptors.Count}");
        foreach (EmbeddedDescriptor d in facts.Descriptors)
        {
            string services = d.Services.Count > 0 ? " services " + string.Join(", ", d.Services) : "";
            o.WriteLine($"  {d.File} (package {d.Package}, {d.Encoding} at {d.Offset}){services}");
        }
        int fromStrings = facts.Methods.Count(m => m.Source != MethodSource.Descriptor);
        o.WriteLine($"methods     {facts.Methods.Count}" + (fromStrings > 0 ? $" ({fromStrings} known only from method strings)" : ""));
        o.WriteLine($"fingerprint {resolved.Fingerprint ?? "none"} ({resolved.FingerprintBasis}" +
            (resolved.MatchingReleasesText is string releases ? $"; equal to Kata {releases}" : "") + ")");
        if (resolved.Surface.CatalogProtocol is string protocol)
        {
            o.WriteLine($"catalog     protocol {protocol}: {string.Join("; ", resolved.Surface.CatalogParts)}");
        }
    }
}
