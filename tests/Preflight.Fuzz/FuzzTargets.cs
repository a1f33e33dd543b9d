using System.Text;
using Preflight.Binaries;
using Preflight.Checking.Policy;
using Preflight.Cli;
using Preflight.Host.Apt;
using Preflight.Host.Config;
using Preflight.Host.Packages;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.FileSystems.Erofs;
using Preflight.Imaging.FileSystems.Ext4;
using Preflight.Imaging.FileSystems.Xfs;
using Preflight.Imaging.Initrd;
using Preflight.Imaging.Layouts;
using Preflight.Protocol;

namespace Preflight.Fuzz;

/// <summary>
/// The fuzz targets: each hands one input to one reader the way the CLI uses it and lets every exception escape
/// except the ones that mean "this input is bad" (the layer's exception, all deriving from
/// <see cref="PreflightInputException"/>, and IOException where the reader does file I/O or documents it for a
/// missing path). Anything else escaping is a bug, and AFL sees it as a crash. Shared by Program (AFL through
/// SharpFuzz) and by the in-process corpus smoke test in Preflight.Cli.Tests.
/// </summary>
public static class FuzzTargets
{
    /// <summary>Every target name, in the order fuzz.sh and the README list them.</summary>
    public static IReadOnlyList<string> Names { get; } =
        ["layouts", "ext4", "xfs", "erofs", "initrd", "elf", "protocol", "toml", "package", "apt", "cli"];

    /// <summary>How much of one file the walk reads: enough to cross block, extent and cluster boundaries.</summary>
    private const int MaxBytesPerFile = 1 << 20;

    /// <summary>Entries visited per image: the seeds hold a few dozen; a fuzzed directory may claim millions.</summary>
    private const int MaxEntriesWalked = 2000;

    /// <summary>
    /// mkfs.xfs 6.1 makes no data section under 300 MiB, far more than AFL can mutate as one input, while the blocks
    /// in use sit in the first few dozen KiB. The XFS target's input is that front part; the rest reads as zeros.
    /// </summary>
    private const long XfsVolumeBytes = 300L << 20;

    /// <summary>
    /// Runs one target on one input; <paramref name="scratch"/> is a private directory for targets that need files.
    /// Returns null when the reader took the input, or the message it rejected it with (for replays and the seeds'
    /// check that they are valid inputs).
    /// </summary>
    public static string? Run(string target, byte[] input, string scratch)
    {
        try
        {
            switch (target)
            {
                case "layouts": Layouts(input); break;
                case "ext4": Walk(Ext4FileSystem.Open(new MemoryStream(input, writable: false), "fuzz.img")); break;
                case "xfs": Walk(XfsFileSystem.Open(new ZeroPaddedStream(input, XfsVolumeBytes), "fuzz.img")); break;
                case "erofs": Walk(ErofsFileSystem.Open(new MemoryStream(input, writable: false), "fuzz.img")); break;
                case "initrd": Walk(InitrdFileSystem.Open(new MemoryStream(input, writable: false), "fuzz.img")); break;
                case "elf": Elf(input); break;
                case "protocol": Protocol(input); break;
                case "toml": Toml(input, scratch); break;
                case "package": Package(input, scratch); break;
                case "apt": Apt(input); break;
                case "cli": Cli(input, scratch); break;
                default: throw new ArgumentException($"unknown fuzz target '{target}'; one of: {string.Join(", ", Names)}", nameof(target));
            }
            return null;
        }
        catch (PreflightInputException e)
        {
            // The input was rejected with its layer's exception: the behaviour we want.
            return e.Message;
        }
        catch (IOException e)
        {
            // A missing path inside an image (the IFileSystem contract) or a file the OS refused: not a bug.
            return e.Message;
        }
    }

    /// <summary>Partition tables and the choice of the root volume, as GuestImage does before opening a filesystem.</summary>
    private static void Layouts(byte[] input)
    {
        var image = new MemoryStream(input, writable: false);
        _ = DaxHeader.TryReadDataOffset(image);
        DiskLayout layout = LayoutDetector.Detect(image, "fuzz.img");
        _ = VolumeProbe.ChooseRootfs(image, layout);
    }

    /// <summary>
    /// Everything the CLI asks of a filesystem (agent location, osbuilder metadata, reading the agent) and then a
    /// bounded walk of the whole tree: list, stat, read each file's first MiB, read and resolve each link.
    /// </summary>
    private static void Walk(IFileSystem fs)
    {
        using (fs)
        {
            if (AgentLocator.Locate(fs) is AgentLocation agent)
            {
                _ = AgentLocator.ReadAgent(fs, agent, MaxBytesPerFile);
            }
            _ = OsBuilderMetadata.Read(fs);

            var pending = new Queue<string>();
            pending.Enqueue("/");
            // A damaged directory may list itself or an ancestor (a cycle the readers need not refuse: the CLI only
            // resolves a few paths). Each directory is walked once, or the walk itself, with paths growing one
            // component per lap, becomes quadratic; AFL reported that as a hang in the EROFS target.
            var walkedDirectories = new HashSet<long> { fs.GetEntry("/")?.Inode ?? -1 };
            int visited = 0;
            var buffer = new byte[64 * 1024];
            while (pending.Count > 0 && visited < MaxEntriesWalked)
            {
                string directory = pending.Dequeue();
                foreach (string name in fs.ListDirectory(directory))
                {
                    if (++visited > MaxEntriesWalked)
                    {
                        break;
                    }
                    string path = directory == "/" ? "/" + name : directory + "/" + name;
                    FileSystemEntry? entry = fs.GetEntry(path, followLinks: false);
                    switch (entry?.Kind)
                    {
                        case FileKind.Directory when walkedDirectories.Add(entry.Inode):
                            pending.Enqueue(path);
                            break;
                        case FileKind.File:
                            using (Stream content = fs.OpenFile(path))
                            {
                                int total = 0;
                                int read;
                                while (total < MaxBytesPerFile && (read = content.Read(buffer)) > 0)
                                {
                                    total += read;
                                }
                            }
                            break;
                        case FileKind.Symlink:
                            _ = fs.ReadLink(path);
                            // A dangling link is normal in an image (FileNotFoundException): the walk goes on.
                            TryInput(() => fs.ResolvePath(path));
                            break;
                    }
                }
            }
        }
    }

    /// <summary>ELF identity, descriptor scan, build info, methods, versions, then the surface built from those facts.</summary>
    private static void Elf(byte[] input)
    {
        BinaryFacts facts = BinaryInspector.Inspect(input, "fuzz.bin");
        ProtocolSurface surface = ProtocolSurface.FromFacts(facts);
        _ = ProtocolFingerprint.Compute(surface, new CompatibilityOptions());
    }

    /// <summary>A FileDescriptorSet as diff/fingerprint take it: surface, fingerprint, a comparison with itself, .proto export.</summary>
    private static void Protocol(byte[] input)
    {
        ProtocolSurface surface = ProtocolSurface.FromDescriptorSet(input, source: "fuzz.binpb");
        var options = new CompatibilityOptions();
        _ = ProtocolFingerprint.Compute(surface, options);
        _ = CompatibilityChecker.Run(surface, surface, options);
        var set = Google.Protobuf.Reflection.FileDescriptorSet.Parser.ParseFrom(input);
        foreach (var file in set.File)
        {
            _ = ProtoSourceWriter.Write(file);
        }
    }

    /// <summary>The same TOML as a Kata configuration, a containerd configuration and a policy, the three readers of TOML.</summary>
    private static void Toml(byte[] input, string scratch)
    {
        string root = Path.Combine(scratch, "host");
        Directory.CreateDirectory(Path.Combine(root, "etc/kata-containers"));
        Directory.CreateDirectory(Path.Combine(root, "etc/containerd"));
        string kata = Path.Combine(root, "etc/kata-containers/configuration.toml");
        string containerd = Path.Combine(root, "etc/containerd/config.toml");
        File.WriteAllBytes(kata, input);
        File.WriteAllBytes(containerd, input);
        var host = new HostRoot(root);
        // Each reader separately: a rejection by the first must not hide what the others do with the same bytes.
        TryInput(() => KataConfiguration.Load(host, "/etc/kata-containers/configuration.toml", "fuzz"));
        TryInput(() => ContainerdConfig.Load(host));
        TryInput(() => PreflightPolicy.Load(kata, "policy.toml"));
    }

    /// <summary>A .deb or .rpm as PackageCandidates reads it: info, file list, links resolved, every regular file streamed.</summary>
    private static void Package(byte[] input, string scratch)
    {
        string path = Path.Combine(scratch, "fuzz.pkg");
        File.WriteAllBytes(path, input);
        IPackage package = PackageReader.Open(path);
        _ = package.Info.Version;
        var buffer = new byte[64 * 1024];
        foreach (PackageFile file in package.Files.Take(MaxEntriesWalked))
        {
            if (file.Kind == PackageFileKind.Regular)
            {
                using Stream content = package.OpenFile(file.Path);
                int total = 0;
                int read;
                while (total < MaxBytesPerFile && (read = content.Read(buffer)) > 0)
                {
                    total += read;
                }
            }
            else if (file.Kind is PackageFileKind.Symlink or PackageFileKind.HardLink)
            {
                TryInput(() => package.Resolve(file.Path));
            }
        }
    }

    /// <summary>APT's Pre-Install-Pkgs input (any protocol version) and which of its actions touch Kata.</summary>
    private static void Apt(byte[] input)
    {
        AptHookInput parsed = AptHookInput.Parse(new StringReader(Encoding.UTF8.GetString(input)), "fuzz");
        _ = parsed.KataActions.Count;
        _ = parsed.GetConfigurationList("DPkg::Pre-Install-Pkgs");
    }

    /// <summary>
    /// The CLI's own entry point, so the exit-code mapping is fuzzed too: the first byte picks a command, the rest is
    /// the file it reads (or APT's input on stdin). Exit 0 to 3 are answers; exit 4 means an exception reached App's
    /// last-resort handler, a bug, so it becomes a crash here.
    /// </summary>
    private static void Cli(byte[] input, string scratch)
    {
        if (input.Length == 0)
        {
            return;
        }
        string file = Path.Combine(scratch, "fuzz.input");
        string root = Path.Combine(scratch, "root");
        string output = Path.Combine(scratch, "proto-out");
        Directory.CreateDirectory(root);
        // export-proto writes one file per descriptor name: emptied each time, or millions of runs fill the disk.
        if (Directory.Exists(output))
        {
            Directory.Delete(output, recursive: true);
        }
        File.WriteAllBytes(file, input.AsSpan(1).ToArray());
        string[][] commands =
        [
            ["inspect", "image", file],
            ["inspect", "binary", file, "--format", "json"],
            ["fingerprint", file],
            ["diff", "--agent", file, "--runtime", file],
            ["check", "--root", root, "--package", file],
            ["check", "--root", root, "--policy", file, "--image", file, "--runtime", file],
            ["export-proto", file, "--output", output],
            ["hook", "apt"],
        ];
        string[] args = commands[input[0] % commands.Length];
        TextReader stdin = args[0] == "hook" ? new StringReader(Encoding.UTF8.GetString(input.AsSpan(1))) : TextReader.Null;
        var stderr = new StringWriter();
        int code = App.Run(args, TextWriter.Null, stderr, stdin);
        if (code == ExitCodes.InternalError)
        {
            throw new InvalidOperationException($"exit 4 from `kata-preflight {string.Join(' ', args)}`: {stderr}");
        }
    }

    private static void TryInput(Action read)
    {
        try
        {
            read();
        }
        catch (PreflightInputException)
        {
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A read-only, seekable stream of the input followed by zeros up to a fixed length.</summary>
    private sealed class ZeroPaddedStream(byte[] input, long length) : Stream
    {
        private long _position;

        public override bool CanRead => true;
        public override bool CanSeek => true;
        public override bool CanWrite => false;
        public override long Length { get; } = Math.Max(length, input.Length);

        public override long Position
        {
            get => _position;
            set => _position = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int count = (int)Math.Clamp(Length - _position, 0, buffer.Length);
            Span<byte> target = buffer[..count];
            target.Clear();
            if (_position < input.Length)
            {
                ReadOnlySpan<byte> available = input.AsSpan((int)_position);
                available[..Math.Min(available.Length, count)].CopyTo(target);
            }
            _position += count;
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => Length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
