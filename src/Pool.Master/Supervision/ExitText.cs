using Mono.Unix.Native;

namespace Pool.Master.Supervision;

/// <summary>How a child's end reads in the log.</summary>
internal static class ExitText
{
    /// <summary>
    /// .NET reports a process killed by signal N as exit code 128 + N, which a reader takes for
    /// the worker's own exit code; name the signal instead. (A worker that really calls exit(137)
    /// reads the same, but shells do the same with their children, so that is the usual reading.)
    /// </summary>
    public static string ByItself(int code) =>
        Signal(code) is { } signal ? $"killed by {signal}, not by the master" : $"exited by itself with code {code}";

    /// <summary>
    /// How a child the master asked to stop with <paramref name="sent"/> ("SIGTERM") ended: a
    /// child that does not trap that signal (a shell, a foreign worker) dies of it, which is the
    /// master's doing, not somebody else's.
    /// </summary>
    public static string AfterStop(int code, string sent) =>
        Signal(code) is { } signal && signal.ToString() == sent ? $"ended by the {sent} the master sent (it does not trap it)" : ByItself(code);

    /// <summary>How a crashed worker ended, for the crash lines: "was killed by SIGKILL" or "exited with code 3".</summary>
    public static string Crash(int code) => Signal(code) is { } signal ? $"was killed by {signal}"
        : code == Pool.Logging.CrashLog.ExitCode ? $"crashed on an unhandled exception (code {code}; its Fatal line says which)"
        : $"exited with code {code}";

    private static Signum? Signal(int code) =>
        code is > 128 and < 128 + 65 && Enum.IsDefined((Signum)(code - 128)) ? (Signum)(code - 128) : null;
}
