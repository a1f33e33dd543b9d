namespace Preflight.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        // check reads its images and runtimes side by side, and each inspection hands passes to workers that it then
        // waits for. The pool starts with one thread per core and adds more only about twice a second when all are
        // waiting: let it start the few this needs at once, so a waiting pass never costs half a second.
        ThreadPool.GetMinThreads(out int workers, out int completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), completionPorts);
        return App.Run(args, Console.Out, Console.Error, Console.In);
    }
}
