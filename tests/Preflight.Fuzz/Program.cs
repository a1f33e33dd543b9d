using SharpFuzz;

namespace Preflight.Fuzz;

/// <summary>
/// `Preflight.Fuzz TARGET` under afl-fuzz (see fuzz.sh): SharpFuzz's out-of-process runner feeds AFL's inputs to
/// one target. `Preflight.Fuzz TARGET FILE...` runs the target once per file instead, to replay a crash AFL saved.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
        {
            Console.Error.WriteLine($"usage: Preflight.Fuzz TARGET [FILE...]; TARGET is one of: {string.Join(", ", FuzzTargets.Names)}");
            return 2;
        }
        string target = args[0];
        // One private directory per process for targets that need a file path; afl-fuzz runs one process at a time.
        string scratch = Directory.CreateTempSubdirectory("kata-preflight-fuzz-").FullName;
        try
        {
            if (args.Length > 1)
            {
                foreach (string file in args.Skip(1))
                {
                    string? rejection = FuzzTargets.Run(target, File.ReadAllBytes(file), scratch);
                    Console.WriteLine($"{file}: {rejection ?? "read"}");
                }
                return 0;
            }
            // Out of process: a crash that kills the runtime (stack overflow, fail-fast) is still seen as a crash
            // by AFL, and the instrumented assemblies' state lives in the child SharpFuzz starts.
            Fuzzer.OutOfProcess.Run(stream =>
            {
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                _ = FuzzTargets.Run(target, copy.ToArray(), scratch);
            });
            return 0;
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}
