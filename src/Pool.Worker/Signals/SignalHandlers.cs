using System.Runtime.InteropServices;
using Pool.Worker.Running;
using Serilog;

namespace Pool.Worker.Signals;

/// <summary>
/// Maps POSIX signals to <see cref="WorkerControl"/>. Every handler cancels the default action
/// (so TERM, INT and QUIT never kill the process outright) and only flips state, so a repeated
/// signal is harmless.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal sealed class SignalHandlers : IDisposable
{
    private const PosixSignal SigUsr1 = (PosixSignal)10;
    private const PosixSignal SigUsr2 = (PosixSignal)12;

    private readonly List<PosixSignalRegistration> _registrations = [];

    public SignalHandlers(WorkerControl control, ILogger log)
    {
        On(PosixSignal.SIGTERM, "TERM", () => control.RequestStop(StopMode.Term));
        On(PosixSignal.SIGQUIT, "QUIT", () => control.RequestStop(StopMode.Quit));
        On(PosixSignal.SIGINT, "INT", () => control.RequestStop(StopMode.Int));
        On(SigUsr1, "USR1", () => control.AbortCurrentJob());
        On(SigUsr2, "USR2", () => control.Pause(true));
        On(PosixSignal.SIGCONT, "CONT", () => control.Pause(false));

        void On(PosixSignal signal, string name, Action action) =>
            _registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                log.Information("Received {Signal}", name);
                action();
            }));
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
    }
}
