using Serilog;

namespace Pool.Logging;

/// <summary>
/// An exception nobody catches (a job's own thread, a timer callback, a bug of ours) ends the
/// process. .NET then writes "Unhandled exception." and the stack trace to stderr, a dozen
/// lines of raw text in a log that must be one event per line (and JSON with --log-format
/// json), and aborts. This logs the crash as one Fatal event instead, flushed, and exits with
/// <see cref="ExitCode"/> before the runtime's own report.
/// </summary>
public static class CrashLog
{
    /// <summary>EX_SOFTWARE (sysexits.h): an internal software error.</summary>
    public const int ExitCode = 70;

    /// <param name="log">The process's logger; it is disposed (flushed) before the exit.</param>
    /// <param name="consequence">What follows the crash, said to the reader ("the master puts its job back").</param>
    public static void Install(Serilog.Core.Logger log, string consequence)
    {
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
        {
            try
            {
                Report(log, e.ExceptionObject as Exception, consequence);
                log.Dispose();
            }
            finally
            {
                Environment.Exit(ExitCode);
            }
        };
    }

    /// <summary>
    /// The same one Fatal line for an exception that reached the top of the process's own code,
    /// where the caller then exits with <see cref="ExitCode"/>. Past that point the logger is
    /// disposed, so the command-line library's own report of it would be lost.
    /// </summary>
    public static void Report(ILogger log, Exception? error, string consequence) =>
        log.Fatal("Crashing: unhandled {ExceptionType:l}: {Error:l} ({Where:l}); {Consequence:l}",
            error?.GetType().FullName ?? "exception", FirstLine(error?.Message), FirstLine(error?.StackTrace?.Trim()) ?? "no stack trace", consequence);

    private static string? FirstLine(string? text) => text?.Split('\n')[0].Trim();
}
