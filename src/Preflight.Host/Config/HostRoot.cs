namespace Preflight.Host.Config;

/// <summary>
/// The host's "/" as seen by this process: "/" itself, or a directory standing in for it (--root, the way
/// kata-deploy's container sees the host and tests build fake hosts). Every host path is resolved under it,
/// symbolic links included: an absolute link target restarts at the root, never at this process's "/".
/// </summary>
public sealed class HostRoot
{
    private const int MaxSymlinkHops = 40;

    public HostRoot(string directory)
    {
        string full = Path.GetFullPath(directory);
        RootDirectory = full.Length > 1 ? full.TrimEnd('/') : full;
    }

    public static HostRoot Default { get; } = new("/");

    /// <summary>The real directory that stands for the host's "/".</summary>
    public string RootDirectory { get; }

    public bool IsSystemRoot => RootDirectory == "/";

    /// <summary>
    /// The real path of a host path with every link resolved under the root, or null when some component does not
    /// exist. The result is a path on this machine (under Directory) that can be opened directly.
    /// </summary>
    public string? Resolve(string hostPath) => ResolveHostPath(hostPath) is string resolved ? ToReal(resolved) : null;

    /// <summary>The host path (as the host would name it) with links resolved, or null when it does not exist.</summary>
    public string? ResolveHostPath(string hostPath)
    {
        if (!hostPath.StartsWith('/'))
        {
            hostPath = "/" + hostPath;
        }
        var pending = new Stack<string>(hostPath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var resolved = new List<string>();
        int hops = 0;
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (name == ".")
            {
                continue;
            }
            if (name == "..")
            {
                if (resolved.Count > 0)
                {
                    resolved.RemoveAt(resolved.Count - 1);
                }
                continue;
            }
            resolved.Add(name);
            string real = ToReal("/" + string.Join('/', resolved));
            var info = new FileInfo(real);
            if (info.LinkTarget is string target)
            {
                if (++hops > MaxSymlinkHops)
                {
                    throw new IOException($"{hostPath}: too many levels of symbolic links under {RootDirectory}");
                }
                resolved.RemoveAt(resolved.Count - 1);
                if (target.StartsWith('/'))
                {
                    resolved.Clear();
                }
                foreach (string part in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
                {
                    pending.Push(part);
                }
                continue;
            }
            if (!info.Exists && !Directory.Exists(real))
            {
                return null;
            }
        }
        return "/" + string.Join('/', resolved);
    }

    /// <summary>The real path for a host path, without resolving anything.</summary>
    public string ToReal(string hostPath) =>
        IsSystemRoot ? hostPath : Path.Join(RootDirectory, hostPath.TrimStart('/'));

    public bool FileExists(string hostPath) => Resolve(hostPath) is string real && File.Exists(real);

    public bool DirectoryExists(string hostPath) => Resolve(hostPath) is string real && Directory.Exists(real);

    /// <summary>The entries of a host directory, as host paths, sorted by name (empty when absent).</summary>
    public IReadOnlyList<string> ListDirectory(string hostDirectory)
    {
        string? resolved = ResolveHostPath(hostDirectory);
        if (resolved is null || !Directory.Exists(ToReal(resolved)))
        {
            return [];
        }
        return Directory.EnumerateFileSystemEntries(ToReal(resolved))
            .Select(p => resolved.TrimEnd('/') + "/" + Path.GetFileName(p))
            .Order(StringComparer.Ordinal)
            .ToList();
    }
}
