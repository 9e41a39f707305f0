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
        var now = Now;
        var sent = _children.Values.Count(c => c.Held.Relay(c.Pid, signum, c.IsYoung(now)));
        var held = _children.Values.Count(c => c.Held.Any);
        if (held == 0) _log.Information("passed {Signal} on to {Count} worker(s)", name, sent);
        else _log.Information("passed {Signal} on to {Count} worker(s); held for {Held} just-started worker(s) until they handle it", name, sent, held);
    }

    /// <summary>Hands held signals to the children that can take them now (or are no longer young).</summary>
    private void FlushHeldSignals(DateTimeOffset now)
    {
        foreach (var child in _children.Values)
        {
            if (child.Held.Any) child.Held.Flush(child.Pid, child.IsYoung(now));
        }
    }
}
