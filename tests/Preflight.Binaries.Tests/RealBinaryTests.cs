using Preflight.Binaries;

namespace Preflight.Binaries.Tests;

/// <summary>
/// Debian's containerd, etcd and dockerd (made by testdata/real-binaries/make.sh), compared with what readelf,
/// `go version -m` and sha256sum say about them.
/// </summary>
public sealed class RealBinaryTests(RealBinaries binaries) : IClassFixture<RealBinaries>
{
    public static TheoryData<string> Names => new() { "containerd", "etcd", "dockerd" };

    [Theory]
    [MemberData(nameof(Names))]
    public void ElfIdentityMatchesReadelf(string name)
    {
        string readelf = File.ReadAllText(RealBinaries.PathOf(name + ".readelf.txt"));
        var elf = binaries.Facts(name).Elf!;

        Assert.Equal(Field(readelf, "Class:") == "ELF64" ? 64 : 32, elf.Class);
        Assert.Equal(Field(readelf, "Data:").Contains("little endian") ? "little" : "big", elf.Endianness);
        Assert.Equal("Advanced Micro Devices X86-64", Field(readelf, "Machine:"));
        Assert.Equal("x86_64", elf.Machine);
        Assert.Equal(Field(readelf, "Build ID:"), elf.BuildId);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Sha256MatchesSha256sum(string name)
    {
        string expected = File.ReadAllText(RealBinaries.PathOf(name + ".sha256")).Trim();
        Assert.Equal(expected, binaries.Facts(name).Sha256);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void GoBuildInfoMatchesGoVersionM(string name)
    {
        string[] lines = File.ReadAllLines(RealBinaries.PathOf(name + ".go-version-m.txt"));
        var go = binaries.Facts(name).Go!;

        Assert.Equal(lines[0][(lines[0].LastIndexOf(": ", StringComparison.Ordinal) + 2)..], go.GoVersion);
        var expectedSettings = new List<(string, string)>();
        foreach (string line in lines.Skip(1))
        {
            string[] parts = line.TrimStart('\t').Split('\t');
            switch (parts[0])
            {
                case "path":
                    Assert.Equal(parts[1], go.Path);
                    break;
                case "mod":
                    Assert.Equal(parts[1], go.Main?.Path);
                    Assert.Equal(parts[2], go.Main?.Version);
                    break;
                case "dep":
                    Assert.Contains(go.Modules, m => m.Path == parts[1] && m.Version == parts[2]);
                    break;
                case "build":
                    string setting = string.Join('\t', parts[1..]);
                    int equals = setting.IndexOf('=');
                    expectedSettings.Add((setting[..equals], setting[(equals + 1)..]));
                    break;
            }
        }
        Assert.Equal(expectedSettings.Select(s => s.Item1), go.Settings.Select(s => s.Key));
        // `go version -m` prints values Go-quoted when they hold spaces or tabs; the reader unquotes them.
        foreach (var ((key, printed), actual) in expectedSettings.Zip(go.Settings))
        {
            if (!printed.StartsWith('"'))
            {
                Assert.Equal(printed, actual.Value);
            }
            else
            {
                Assert.Equal(printed[1..^1].Replace("\\t", "\t").Replace("\\\"", "\""), actual.Value);
            }
        }
    }

    [Theory]
    [InlineData("containerd", "github.com/containerd/containerd/api/services/tasks/v1/tasks.proto", "containerd.services.tasks.v1", "containerd.services.tasks.v1.Tasks")]
    [InlineData("containerd", "github.com/containerd/containerd/runtime/v2/task/shim.proto", "containerd.task.v2", "containerd.task.v2.Task")]
    [InlineData("containerd", "github.com/containerd/containerd/api/services/version/v1/version.proto", "containerd.services.version.v1", "containerd.services.version.v1.Version")]
    [InlineData("containerd", "grpc/health/v1/health.proto", "grpc.health.v1", "grpc.health.v1.Health")]
    [InlineData("etcd", "rpc.proto", "etcdserverpb", "etcdserverpb.KV")]
    [InlineData("etcd", "v3lock.proto", "v3lockpb", "v3lockpb.Lock")]
    public void FindsGzippedDescriptors(string binary, string file, string package, string service)
    {
        var descriptor = Assert.Single(binaries.Facts(binary).Descriptors, d => d.File == file && d.Services.Contains(service));
        Assert.Equal("gzip", descriptor.Encoding);
        Assert.Equal(package, descriptor.Package);
        var proto = Google.Protobuf.Reflection.FileDescriptorProto.Parser.ParseFrom(descriptor.Bytes);
        Assert.Equal(file, proto.Name);
    }

    [Fact]
    public void FindsRawProtobufGoDescriptor()
    {
        // google.golang.org/protobuf's well-known types carry raw (not gzipped) descriptors.
        var descriptor = Assert.Single(binaries.Facts("containerd").Descriptors,
            d => d.File == "google/protobuf/timestamp.proto" && d.Encoding == "raw");
        Assert.Equal("google.protobuf", descriptor.Package);
    }

    [Theory]
    [InlineData("containerd", 65)]
    [InlineData("etcd", 26)]
    public void FindsEveryGzippedDescriptor(string binary, int gzipMembersNamingAProtoFile)
    {
        // The count of gzip members that inflate to a message starting with a ".proto" name, taken with zlib.
        Assert.Equal(gzipMembersNamingAProtoFile, binaries.Facts(binary).Descriptors.Count(d => d.Encoding == "gzip"));
    }

    [Fact]
    public void DescriptorMethodsWin()
    {
        var methods = binaries.Facts("etcd").Methods;
        var put = Assert.Single(methods, m => m.FullName == "etcdserverpb.KV/Put");
        Assert.Equal("descriptor", put.Evidence);
        Assert.Contains(methods, m => m.FullName == "etcdserverpb.Lease/LeaseGrant");
    }

    [Fact]
    public void MethodPathStringsAreFound()
    {
        // containerd's grpc-go client keeps "/containerd.services.tasks.v1.Tasks/Create" style literals.
        var methods = binaries.Facts("containerd").Methods;
        Assert.Contains(methods, m => m.FullName == "containerd.services.tasks.v1.Tasks/Create");
        Assert.DoesNotContain(methods, m => m.Service.StartsWith("debug", StringComparison.Ordinal));
    }

    [Fact]
    public void TransportFromLibraries()
    {
        Assert.Equal(RpcTransport.Grpc, binaries.Facts("etcd").Transport);
        var containerd = binaries.Facts("containerd");
        Assert.Equal(RpcTransport.Unknown, containerd.Transport);
        Assert.Equal([RpcTransport.Grpc, RpcTransport.Ttrpc], containerd.TransportLibraries);
    }

    [Fact]
    public void DockerVersionFromLdflags()
    {
        var version = binaries.Facts("dockerd").Version!;
        Assert.Equal("go-ldflags", version.Evidence);
        Assert.Equal("20.10.24+dfsg1", version.Version);
        Assert.Equal("5d6db84", version.Commit);
        Assert.Equal("dockerd", version.Program);
    }

    [Fact]
    public void NoVersionWithoutEvidence()
    {
        // Debian's GOPATH build of containerd has no module version and no -X flags.
        Assert.Null(binaries.Facts("containerd").Version);
    }

    [Fact]
    public void ConstantsNeedEvidence()
    {
        var constants = binaries.Facts("containerd").Constants.ToDictionary(c => c.Value);
        Assert.False(constants["zzz-not-there-zzz"].Present);
        Assert.Equal(0, constants["zzz-not-there-zzz"].Occurrences);
        Assert.True(constants["9p"].Occurrences > 0);
        Assert.True(constants["ttrpc"].Occurrences > 100);
    }

    private static string Field(string readelf, string label)
    {
        string line = readelf.Split('\n').First(l => l.TrimStart().StartsWith(label, StringComparison.Ordinal));
        return line[(line.IndexOf(label, StringComparison.Ordinal) + label.Length)..].Trim();
    }
}
