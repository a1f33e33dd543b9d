using System.Diagnostics;
using System.Security.Cryptography;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Preflight.Benchmarks;

// Modes:
//   --extract IMAGE OUT   open IMAGE, locate the agent, stream its bytes to OUT (the counterpart of
//                         `debugfs -R "dump /usr/bin/kata-agent OUT" IMAGE`, timed from outside, process start included)
//   --startup             do nothing: the process start and exit the --extract timing includes
//   --bytes-read IMAGE... one line per image: size, bytes read by open+locate+read, agent length, sha256, time
//   anything else         BenchmarkDotNet (ShortRun with 8 iterations, in-process toolchain), e.g. --filter '*'
if (args is ["--startup"])
{
    return 0;
}
if (args is ["--extract", string image, string output])
{
    Extract.CopyTo(image, output);
    return 0;
}
if (args is ["--extract", ..])
{
    Console.Error.WriteLine("usage: Preflight.Benchmarks --extract IMAGE OUT");
    return 2;
}
if (args is ["--bytes-read", .. var images] && images.Length > 0)
{
    Console.WriteLine("image\timage_bytes\tbytes_read\tagent_bytes\tread_over_agent\tread_over_image\tagent_sha256\tfirst_ms\tbest_ms");
    foreach (string path in images)
    {
        var sw = Stopwatch.StartNew();
        Extract.Result first = Extract.Run(path);
        double firstMs = sw.Elapsed.TotalMilliseconds;
        double best = double.MaxValue;
        for (int i = 0; i < 10; i++)
        {
            sw.Restart();
            Extract.Run(path);
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine(string.Join('\t',
            Path.GetFileName(path), first.ImageLength, first.BytesRead, first.Agent.Length,
            ((double)first.BytesRead / first.Agent.Length).ToString("F5"),
            ((double)first.BytesRead / first.ImageLength).ToString("F5"),
            Convert.ToHexStringLower(SHA256.HashData(first.Agent)),
            firstMs.ToString("F1"), best.ToString("F1")));
    }
    return 0;
}

IConfig config = DefaultConfig.Instance
    .AddJob(Job.ShortRun.WithIterationCount(8).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess"))
    .WithOptions(ConfigOptions.JoinSummary);
BenchmarkSwitcher.FromAssembly(typeof(ImageBenchmarks).Assembly).Run(args, config);
return 0;
