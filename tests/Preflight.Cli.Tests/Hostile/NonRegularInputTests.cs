using System.Diagnostics;

namespace Preflight.Cli.Tests.Hostile;

/// <summary>
/// A FIFO or a character device named as any input is refused before it is opened: opening a FIFO blocks until a
/// writer comes and /dev/zero never ends (diff --agent /dev/zero used to read it into memory until it ran out).
/// The FIFO is made by mkfifo; /dev/zero and /dev/null are the system's own.
/// </summary>
public sealed class NonRegularInputTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-fifo-").FullName;
    private readonly string _fifo;

    public NonRegularInputTests()
    {
        _fifo = Path.Combine(_directory, "input.fifo");
        using Process mkfifo = Process.Start("mkfifo", [_fifo])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    public static TheoryData<string[]> FifoCommands() => new()
    {
        { ["inspect", "image", "{fifo}"] },
        { ["inspect", "binary", "{fifo}"] },
        { ["diff", "--agent", "{fifo}", "--runtime", "{fifo}"] },
        { ["fingerprint", "{fifo}"] },
        { ["export-proto", "{fifo}", "--output", "{dir}/out"] },
        { ["check", "--root", "{dir}", "--image", "{fifo}"] },
        { ["check", "--root", "{dir}", "--runtime", "{fifo}"] },
        { ["check", "--root", "{dir}", "--package", "{fifo}"] },
        { ["check", "--root", "{dir}", "--policy", "{fifo}"] },
    };

    [Theory]
    [MemberData(nameof(FifoCommands))]
    public void A_FIFO_is_refused_at_once_with_exit_3(string[] template)
    {
        string[] args = template.Select(a => a.Replace("{fifo}", _fifo).Replace("{dir}", _directory)).ToArray();

        CliResult result = Guarded.Run(args);

        Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
        Guarded.AssertHandled(result, $"{_fifo}: is a FIFO, not a regular file");
    }

    [Fact]
    public void A_FIFO_as_the_configuration_is_reported_not_read()
    {
        // --config names a host path, resolved under --root.
        CliResult result = Guarded.Run("check", "--root", _directory, "--config", "/input.fifo");

        Assert.True(result.ExitCode == ExitCodes.Unreadable, result.Error + result.Out);
        Guarded.AssertHandled(result, "is a FIFO, not a regular file");
    }

    [Theory]
    [InlineData("/dev/zero")]
    [InlineData("/dev/null")]
    public void A_character_device_is_refused_everywhere(string device)
    {
        foreach (string[] args in new[]
        {
            new[] { "diff", "--agent", device, "--runtime", device },
            ["inspect", "image", device],
            ["inspect", "binary", device],
            ["check", "--root", _directory, "--image", device],
        })
        {
            CliResult result = Guarded.Run(args);

            Assert.Equal(ExitCodes.Unreadable, result.ExitCode);
            Guarded.AssertHandled(result, $"{device}: is a character device, not a regular file");
        }
    }

    [Fact]
    public void A_FIFO_named_by_APT_is_refused_and_the_hook_lets_APT_go_on()
    {
        string input = $"VERSION 3\nAPT::Architecture=amd64\n\nkata-runtime - - none < 3.2.0-1 amd64 none {_fifo}\n";

        CliResult result = Guarded.RunWithInput(input, "hook", "apt", "--root", _directory);

        // The hook never stops APT over its own trouble (exit 0), but it names the file and why.
        Assert.Equal(ExitCodes.Ok, result.ExitCode);
        Guarded.AssertHandled(result, $"{_fifo}: is a FIFO, not a regular file");
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
