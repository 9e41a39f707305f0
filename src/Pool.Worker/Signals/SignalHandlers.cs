using System.Runtime.InteropServices;
using Pool.Signals;
using Pool.Worker.Running;
using Serilog;

namespace Pool.Worker.Signals;

/// <summary>
/// Maps POSIX signals to <see cref="WorkerControl"/>. The signals are taken over by a
/// <see cref="SignalInbox"/> at the very start of the process (<see cref="Listen"/>), so one that
/// arrives while the worker starts up is held, not fatal; once the control exists, the held ones
/// are applied in order. Each handler only flips state, so a repeated signal is harmless.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class SignalHandlers
{
    private const PosixSignal SigUsr1 = (PosixSignal)10;
    private const PosixSignal SigUsr2 = (PosixSignal)12;

    private static readonly PosixSignal[] Handled =
        [PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGINT, SigUsr1, SigUsr2, PosixSignal.SIGCONT];

    /// <summary>Takes the worker's signals over; the caller attaches them with <see cref="Attach"/> once it can act.</summary>
    public static SignalInbox Listen() => new(Handled);

    public static void Attach(SignalInbox inbox, WorkerControl control, ILogger log) => inbox.Attach(signal =>
    {
        log.Information("Received {Signal}", Name(signal));
        switch (signal)
        {
            case PosixSignal.SIGTERM: control.RequestStop(StopMode.Term); break;
            case PosixSignal.SIGQUIT: control.RequestStop(StopMode.Quit); break;
            case PosixSignal.SIGINT: control.RequestStop(StopMode.Int); break;
            case SigUsr1: control.AbortJobs(); break;
            case SigUsr2: control.Pause(true); break;
            case PosixSignal.SIGCONT: control.Pause(false); break;
        }
    });

    private static string Name(PosixSignal signal) => signal switch
    {
        PosixSignal.SIGTERM => "TERM",
        PosixSignal.SIGQUIT => "QUIT",
        PosixSignal.SIGINT => "INT",
        SigUsr1 => "USR1",
        SigUsr2 => "USR2",
        _ => "CONT",
    };
}
