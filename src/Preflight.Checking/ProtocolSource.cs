using Google.Protobuf;
using Preflight.Binaries;
using Preflight.Formats;
using Preflight.Imaging;
using Preflight.Protocol;
using Preflight.Protocol.Catalog;

namespace Preflight.Checking;

/// <summary>One side of a comparison, loaded from whatever the user named, its protocol resolved against the catalog.</summary>
public sealed record LoadedSide(string Path, string Kind, ResolvedProtocol Resolved, BinaryFacts? Facts, ImageInspection? Image)
{
    public ProtocolSurface Surface => Resolved.Surface;
}

/// <summary>
/// Loads a protocol from a SRC argument: an ELF binary, a guest image (disk image or initrd), or a serialized
/// FileDescriptorSet (protoc --descriptor_set_out, buf's .binpb). The kind is decided by looking at the bytes.
/// </summary>
public static class ProtocolSource
{
    /// <summary>FileDescriptorSets of Kata's protocol are tens of KiB; a larger non-ELF, non-image file is not one.</summary>
    private const long MaxDescriptorSetBytes = 64 * 1024 * 1024;

    /// <param name="side">"agent" or "runtime": names the side in what resolving its protocol notices.</param>
    public static LoadedSide Load(string path, string side, CompatibilityOptions options)
    {
        IReadOnlyCollection<string> constants = options.ConstantValues.ToList();
        // diff, fingerprint and releases show protocols, never a file's hash: none is computed.
        ReleaseCatalog.LoadInBackground();
        // A guest image may be a block device; a FIFO or /dev/zero is refused before it is opened.
        InputFiles.Require(path, allowBlockDevice: true);
        if (LooksLikeElf(path))
        {
            BinaryFacts facts = BinaryInspector.InspectFile(path, constants, hash: false);
            return new LoadedSide(path, "binary", ProtocolResolver.ForBinary(facts, side, options), facts, null);
        }

        ImageFormatException? imageError = null;
        try
        {
            ImageInspection image = ImageInspector.Inspect(path, path, constants, hashAgent: false);
            if (image.AgentFacts is null)
            {
                throw new InputException(path, "no kata-agent found in the guest image");
            }
            return new LoadedSide(path, "image", ProtocolResolver.ForBinary(image.AgentFacts, side, options), image.AgentFacts, image);
        }
        catch (ImageFormatException e)
        {
            imageError = e;
        }

        if (TryLoadDescriptorSet(path) is ProtocolSurface surface)
        {
            return new LoadedSide(path, "descriptor-set",
                ProtocolResolver.Resolve(surface, null, side, options, ReleaseCatalog.Default), null, null);
        }
        throw new InputException(path, "not an ELF binary, a guest image or a FileDescriptorSet (" + imageError.Problem + ")");
    }

    private static ProtocolSurface? TryLoadDescriptorSet(string path)
    {
        try
        {
            // The length is the stream's (a block device's FileInfo.Length is 0), checked before anything is allocated.
            using FileStream stream = File.OpenRead(path);
            if (stream.Length > MaxDescriptorSetBytes)
            {
                return null;
            }
            byte[] bytes = new byte[stream.Length];
            stream.ReadExactly(bytes);
            return ProtocolSurface.FromDescriptorSet(bytes);
        }
        catch (Exception e) when (e is InvalidProtocolBufferException or ProtocolFormatException)
        {
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static bool LooksLikeElf(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return ElfMagic.StartsWith(stream);
    }
}

/// <summary>An input the user named cannot be used; the CLI prints its message as one line and exits 3.</summary>
public sealed class InputException(string file, string problem) : PreflightInputException(file, problem, $"{file}: {problem}");
