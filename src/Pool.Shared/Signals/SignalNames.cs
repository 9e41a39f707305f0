using System.Runtime.InteropServices;
using Mono.Unix.Native;

namespace Pool.Signals;

/// <summary>
/// The signals of DESIGN.md, named once for the master, the worker and the tests: their short
/// names for logs and their kill(2) numbers.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class SignalNames
{
    // PosixSignal has no members for these; the Linux numbers (x86 and ARM) work by casting.
    // Constants, so that handlers can switch on them.
    public const PosixSignal Usr1 = (PosixSignal)10;
    public const PosixSignal Usr2 = (PosixSignal)12;

    /// <summary>What the master takes over: the whole signal table of DESIGN.md.</summary>
    public static IReadOnlyList<PosixSignal> MasterHandles { get; } =
    [
        PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT, PosixSignal.SIGHUP, PosixSignal.SIGWINCH,
        PosixSignal.SIGTTIN, PosixSignal.SIGTTOU, PosixSignal.SIGCONT, Usr1, Usr2,
    ];

    /// <summary>What a worker takes over: stops, abort (USR1), pause (USR2) and resume (CONT).</summary>
    public static IReadOnlyList<PosixSignal> WorkerHandles { get; } =
        [PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGINT, Usr1, Usr2, PosixSignal.SIGCONT];

    /// <summary>"INT, QUIT": names for a log line.</summary>
    public static string Names(IEnumerable<PosixSignal> signals) => string.Join(", ", signals.Select(Name));

    public static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => "TERM",
        PosixSignal.SIGINT => "INT",
        PosixSignal.SIGQUIT => "QUIT",
        PosixSignal.SIGHUP => "HUP",
        PosixSignal.SIGWINCH => "WINCH",
        PosixSignal.SIGTTIN => "TTIN",
        PosixSignal.SIGTTOU => "TTOU",
        PosixSignal.SIGCONT => "CONT",
        Usr1 => "USR1",
        Usr2 => "USR2",
        _ => ((int)signal).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>The kill(2) number of a signal Pool handles, for relaying it and for its disposition.</summary>
    public static Signum ToSignum(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGCONT => Signum.SIGCONT,
        Usr1 => Signum.SIGUSR1,
        Usr2 => Signum.SIGUSR2,
        PosixSignal.SIGTERM => Signum.SIGTERM,
        PosixSignal.SIGINT => Signum.SIGINT,
        PosixSignal.SIGQUIT => Signum.SIGQUIT,
        PosixSignal.SIGHUP => Signum.SIGHUP,
        PosixSignal.SIGWINCH => Signum.SIGWINCH,
        PosixSignal.SIGTTIN => Signum.SIGTTIN,
        PosixSignal.SIGTTOU => Signum.SIGTTOU,
        _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal Pool handles"),
    };
}
