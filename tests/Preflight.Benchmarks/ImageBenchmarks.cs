using BenchmarkDotNet.Attributes;
using Preflight.Imaging;
using Preflight.Imaging.Agent;
using Preflight.Imaging.FileSystems;
using Preflight.Imaging.Layouts;

namespace Preflight.Benchmarks;

/// <summary>Open a bare ext4 image, locate the agent and read all of its bytes, per image size. The claim under
/// test: the cost follows the agent's size, not the image's (only the agent's blocks and a little metadata are
/// read).</summary>
[MemoryDiagnoser]
public class ImageBenchmarks
{
    [Params("256M", "1G", "4G")]
    public string Size { get; set; } = "256M";

    private string _image = "";

    [GlobalSetup]
    public void Setup()
    {
        _image = BenchPaths.Image(Size);
        if (!File.Exists(_image))
        {
            throw new FileNotFoundException("run benchmarks/make-bench-images.sh first", _image);
        }
    }

    [Benchmark]
    public long OpenLocateReadAgent() => Extract.Run(_image).BytesRead;
}

internal static class Extract
{
    public readonly record struct Result(byte[] Agent, long BytesRead, long ImageLength, string Layout, string FileSystem, string AgentPath);

    public static Result Run(string image)
    {
        using OpenedImage opened = GuestImage.Open(image);
        AgentLocation agent = AgentLocator.LocateRequired(opened.FileSystem, image);
        byte[] bytes = AgentLocator.ReadAgent(opened, agent);
        return new Result(bytes, opened.BytesRead, opened.ImageLength, opened.Layout.Name(), opened.FileSystemType.Name(), agent.ResolvedPath);
    }

    /// <summary>
    /// What `debugfs -R "dump ..."` does: stream the agent to a file through a small buffer, without holding it whole
    /// (a 40 MiB array costs page faults that have nothing to do with reading the image).
    /// </summary>
    public static void CopyTo(string image, string output)
    {
        using OpenedImage opened = GuestImage.Open(image);
        AgentLocation agent = AgentLocator.LocateRequired(opened.FileSystem, image);
        using Stream source = opened.FileSystem.OpenFile(agent.ResolvedPath);
        using FileStream target = File.Create(output);
        source.CopyTo(target, 1024 * 1024);
    }
}
