namespace Preflight.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        Console.Error.WriteLine("kata-preflight: not wired yet");
        return 2;
    }
}
