using System.Runtime.InteropServices;
using Pool.Master.Processes;
using Pool.Master.Signals;

namespace Pool.Master.Supervision;

/// <summary>The signal table of DESIGN.md, one signal per loop iteration.</summary>
internal sealed partial class Supervisor
{
    private void OnSignal(PosixSignal signal)
    {
        var name = SignalNames.Name(signal);
        _log.Information("received {Signal}", name);
        switch (signal)
        {
            case PosixSignal.SIGTERM or PosixSignal.SIGINT: StopGracefully(name); break;
            case PosixSignal.SIGQUIT: StopAfterCurrentJobs(); break;
            case PosixSignal.SIGHUP: Reload(); break;
            case PosixSignal.SIGWINCH: Pause(); break;
            case PosixSignal.SIGTTIN: Resize(+1); break;
            case PosixSignal.SIGTTOU: Resize(-1); break;
            case PosixSignal.SIGCONT or SignalNames.Usr1 or SignalNames.Usr2: Relay(signal, name); break;
            default: _log.Warning("no action for signal {Signal}", name); break;
        }
    }

    private void Relay(PosixSignal signal, string name)
    {
        var signum = SignalNames.ToSignum(signal);
        var sent = _children.Values.Count(c => ProcessSignals.Send(c.Pid, signum));
        _log.Information("passed {Signal} on to {Count} worker(s)", name, sent);
    }
}
