using Preflight.Cli.Reports;
using Preflight.Protocol.Catalog;
using Xunit.Abstractions;

namespace Preflight.Cli.Tests;

/// <summary>
/// `matrix` shows its progress on one rewritten stderr line, only to a person at a terminal: the real kata-preflight
/// is run with stderr on a pipe (nothing extra at all) and on a pseudo-terminal made by script(1) (the line, then
/// erased), with stdout in a file both times so the table itself is compared too.
/// </summary>
public sealed class MatrixProgressTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("kata-preflight-progress-").FullName;

    private static string KataPreflight => Path.Combine(AppContext.BaseDirectory, "kata-preflight");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Redirected_stderr_gets_nothing_and_stdout_only_the_table()
    {
        Installed.ProcessResult result = Installed.Installed.Run([KataPreflight, "matrix", "--releases", "--format", "tsv"], null, Environment());

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Equal(Cli.Run("matrix", "--releases", "--format", "tsv").Out, result.Out);
    }

    [Fact]
    public void A_terminal_sees_the_cell_count_rewritten_in_place_then_erased()
    {
        string transcript = OnTerminal("matrix --releases --format tsv");

        string table = File.ReadAllText(Path.Combine(_directory, "table.tsv"));
        Assert.Equal(Cli.Run("matrix", "--releases", "--format", "tsv").Out, table);
        int cells = table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
        string last = $"matrix: {cells}/{cells} cells";
        // Each state overwrites the one before from the start of the line; the last is blanked out, and the cursor
        // left at the start of the clean line.
        Assert.Contains($"\rmatrix: 1/{cells} cells\r", transcript);
        Assert.EndsWith($"\r{last}\r{new string(' ', last.Length)}\r", transcript);
        Assert.DoesNotContain("\n", transcript);
    }

    [Fact]
    public void Quiet_keeps_a_terminal_free_of_progress()
    {
        string transcript = OnTerminal("matrix --releases --quiet --format tsv");

        Assert.DoesNotContain("matrix:", transcript);
        Assert.NotEmpty(File.ReadAllText(Path.Combine(_directory, "table.tsv")));
    }

    [Fact]
    public void The_line_is_rewritten_per_percent_and_padded_over_a_longer_one()
    {
        var terminal = new StringWriter();
        using (var progress = new ProgressLine(terminal))
        {
            progress.Report(new MatrixProgress(MatrixStage.Reading, 1, 2));
            progress.Report(new MatrixProgress(MatrixStage.Reading, 2, 2));
            for (int done = 1; done <= 1000; done++)
            {
                progress.Report(new MatrixProgress(MatrixStage.Comparing, done, 1000));
            }
        }
        string written = terminal.ToString();

        Assert.StartsWith("\rmatrix: reading inputs 1/2\rmatrix: reading inputs 2/2\rmatrix: 1/1000 cells      \r", written);
        // 0%..100%: 101 states of the comparison, not 1000.
        Assert.Equal(2 + 101 + 2, written.Count(c => c == '\r'));
        Assert.EndsWith("\rmatrix: 1000/1000 cells\r" + new string(' ', "matrix: 1000/1000 cells".Length) + "\r", written);
    }

    [Fact]
    public void Nothing_reported_leaves_nothing_to_erase()
    {
        var terminal = new StringWriter();
        new ProgressLine(terminal).Dispose();
        Assert.Equal("", terminal.ToString());
    }

    /// <summary>
    /// Runs kata-preflight with stdout in table.tsv and stderr on a pseudo-terminal (script from util-linux), and
    /// returns what the terminal received, without what the terminal layer itself sends when a program starts on one.
    /// </summary>
    private string OnTerminal(string arguments)
    {
        string command = $"'{KataPreflight}' {arguments} > '{Path.Combine(_directory, "table.tsv")}'";
        Installed.ProcessResult result = Installed.Installed.Run(
            [Installed.Installed.FindTool("script"), "--quiet", "--return", "--command", command, "/dev/null"], null, Environment(), _directory);
        output.WriteLine(result.ToString());
        Assert.Equal(0, result.ExitCode);
        // .NET's console switches the terminal's keypad mode on start (ESC [ ? 1 h, ESC =); that is not ours.
        return result.Out.Replace("\u001b[?1h\u001b=", "", StringComparison.Ordinal);
    }

    private (string Name, string Value)[] Environment() => [("PATH", "/usr/bin:/bin"), ("HOME", _directory), ("TERM", "xterm")];
}
