using Preflight.Checking;
using Preflight.Checking.Policy;
using System.Runtime.InteropServices;
using Preflight.Host.Config;
using Preflight.Host.Packages;
using Preflight.Imaging;

namespace Preflight.Cli.Commands;

/// <summary>How every command turns what the user named into inputs, so the checks and messages are the same everywhere.</summary>
public static class CliInputs
{
    /// <summary>See <see cref="InputFiles.Require"/>: an existing regular file (or block device where allowed), else exit 3.</summary>
    public static string RequireFile(string path, bool allowBlockDevice = false) => InputFiles.Require(path, allowBlockDevice);

    public static string? RequireFileOrNull(string? path, bool allowBlockDevice = false) =>
        path is null ? null : RequireFile(path, allowBlockDevice);

    /// <summary>--root DIR as a HostRoot, or the real "/" when the option is absent.</summary>
    public static HostRoot HostRootFrom(string? directory) =>
        directory is null ? HostRoot.Default
        : Directory.Exists(directory) ? new HostRoot(directory)
        : throw new InputException(directory, "--root must be an existing directory");

    /// <summary>
    /// --policy FILE when given; else the host's /etc/kata-preflight/policy.toml (under --root, like everything
    /// else about the host) when it exists; else Kata's defaults.
    /// </summary>
    public static PreflightPolicy LoadPolicy(HostRoot root, string? explicitPath)
    {
        if (explicitPath is not null)
        {
            return File.Exists(explicitPath)
                ? PreflightPolicy.Load(RequireFile(explicitPath), explicitPath)
                : throw new InputException(explicitPath, "policy file does not exist");
        }
        return root.Resolve(PreflightPolicy.DefaultPath) is string real && File.Exists(real)
            ? PreflightPolicy.Load(real, PreflightPolicy.DefaultPath)
            : PreflightPolicy.Default;
    }
}

/// <summary>
/// A scratch directory (files extracted from packages) with the run's budget of what may be written there
/// (<see cref="PackageLimits.DefaultScratchBytes"/>), created on first use and removed on dispose, and also when
/// the process is stopped by SIGINT or SIGTERM (Ctrl-C, or APT/systemd stopping the hook): up to 8 GiB must not be
/// left behind in $TMPDIR.
/// </summary>
public sealed class TemporaryDirectory : IDisposable
{
    private readonly List<PosixSignalRegistration> _signals = [];
    private DirectoryInfo? _directory;

    public TemporaryDirectory(long budgetBytes = PackageLimits.DefaultScratchBytes)
    {
        Budget = new ScratchBudget(budgetBytes);
    }

    public ScratchBudget Budget { get; }

    public string Path
    {
        get
        {
            if (_directory is null)
            {
                _directory = Directory.CreateTempSubdirectory("kata-preflight-");
                // The handler removes the directory and lets the signal's default action end the process.
                foreach (PosixSignal signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
                {
                    _signals.Add(PosixSignalRegistration.Create(signal, _ => Remove()));
                }
            }
            return _directory.FullName;
        }
    }

    public void Dispose()
    {
        foreach (PosixSignalRegistration registration in _signals)
        {
            registration.Dispose();
        }
        _signals.Clear();
        Remove();
    }

    /// <summary>Removes the directory and everything in it; also run from a signal handler, so it never throws.</summary>
    internal void Remove()
    {
        try
        {
            _directory?.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover scratch directory is not worth failing a check (or an upgrade) for.
        }
    }
}
