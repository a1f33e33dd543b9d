using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Preflight.Cli;

/// <summary>
/// Logging goes to stderr only, so stdout carries nothing but the report. Warnings by default, everything with
/// --verbose, errors only with --quiet.
/// </summary>
public static class CliLogging
{
    public static ILoggerFactory Create(bool verbose, bool quiet, TextWriter stderr)
    {
        LogLevel level = verbose ? LogLevel.Debug : quiet ? LogLevel.Error : LogLevel.Warning;
        // The factory made directly, not through LoggerFactory.Create's service container: building that container
        // was 2 ms of every command's start (a tenth of a package hook's check).
        return new LoggerFactory([new StderrLoggerProvider(stderr)], new LoggerFilterOptions { MinLevel = level });
    }

    public static ILoggerFactory None => NullLoggerFactory.Instance;

    /// <summary>
    /// A plain "kata-preflight: level: message" line per event. The console provider would also do, but it
    /// writes on a background thread and to the process's real stderr, which tests and hooks cannot capture.
    /// </summary>
    private sealed class StderrLoggerProvider(TextWriter stderr) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new StderrLogger(stderr);

        public void Dispose()
        {
        }
    }

    private sealed class StderrLogger(TextWriter stderr) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            string level = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => "debug",
                LogLevel.Information => "info",
                LogLevel.Warning => "warning",
                _ => "error",
            };
            lock (stderr)
            {
                stderr.WriteLine($"kata-preflight: {level}: {formatter(state, exception)}");
            }
        }
    }
}
