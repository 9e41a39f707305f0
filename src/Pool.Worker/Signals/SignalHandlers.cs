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
    /// <summary>Takes the worker's signals over; the caller attaches them with <see cref="Attach"/> once it can act.</summary>
    public static SignalInbox Listen() => new(SignalNames.WorkerHandles);

    public static void Attach(SignalInbox inbox, WorkerControl control, ILogger log) => inbox.Attach(signal =>
    {
        log.Information("Received {Signal}", SignalNames.Name(signal));
        switch (signal)
        {
            case PosixSignal.SIGTERM: control.RequestStop(StopMode.Term); break;
            case PosixSignal.SIGQUIT: control.RequestStop(StopMode.Quit); break;
            case PosixSignal.SIGINT: control.RequestStop(StopMode.Int); break;
            case SignalNames.Usr1: control.AbortJobs(); break;
            case SignalNames.Usr2: control.Pause(true); break;
            case PosixSignal.SIGCONT: control.Pause(false); break;
        }
    });
}
