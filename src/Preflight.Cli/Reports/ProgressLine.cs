using Preflight.Protocol.Catalog;

namespace Preflight.Cli.Reports;

/// <summary>
/// A matrix's progress on one terminal line ("matrix: 120/625 cells"), rewritten in place with a carriage return and
/// erased when the run ends, so the terminal is left as if it had never been there. Made only for a terminal: a
/// log, a pipe or a package hook gets nothing, so reports and scripts never see it.
/// </summary>
/// <remarks>
/// The line is rewritten when the shown percentage or stage changes, not for every cell: a 10,000-cell matrix
/// writes about a hundred lines, never one per cell. Plain spaces erase it (no escape sequences), so it works on any terminal.
/// </remarks>
public sealed class ProgressLine(TextWriter terminal) : IProgress<MatrixProgress>, IDisposable
{
    private string _shown = "";
    private (MatrixStage Stage, int Percent) _last = (MatrixStage.Reading, -1);

    public void Report(MatrixProgress progress)
    {
        int percent = progress.Total == 0 ? 100 : (int)(100L * progress.Done / progress.Total);
        if ((progress.Stage, percent) == _last)
        {
            return;
        }
        _last = (progress.Stage, percent);
        string text = progress.Stage == MatrixStage.Reading
            ? $"matrix: reading inputs {progress.Done}/{progress.Total}"
            : $"matrix: {progress.Done}/{progress.Total} cells";
        // Padded over what was there, so a shorter line leaves nothing of the longer one behind.
        terminal.Write("\r" + text.PadRight(_shown.Length));
        terminal.Flush();
        _shown = text;
    }

    /// <summary>Erases the line, so what comes next (an error, the shell's prompt) starts on a clean one.</summary>
    public void Dispose()
    {
        if (_shown.Length > 0)
        {
            terminal.Write("\r" + new string(' ', _shown.Length) + "\r");
            terminal.Flush();
            _shown = "";
        }
    }
}
