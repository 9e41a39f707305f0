using System.Runtime.InteropServices;
using Mono.Unix.Native;
using Pool.Processes;

namespace Pool.Signals;

/// <summary>
/// Undoes SIG_IGN inherited from whoever started the process, for the signals it handles. A shell
/// starts a script's background jobs (`pool-master &`, `pool-worker &`) with INT and QUIT
/// ignored, and nohup ignores HUP. The runtime respects an inherited SIG_IGN:
/// PosixSignalRegistration succeeds, but the signal never arrives, so `kill -QUIT` would do
/// nothing at all. Used by pool-master and pool-worker alike.
///
/// The runtime reads each disposition once, when its signal handling starts (the first use of
/// Console, Process or PosixSignalRegistration), and installs no handler for a signal ignored
/// then. So <see cref="Restore"/> must run before that: it is the first thing each program does. At
/// that start the runtime also installs its handler for CONT; if CONT is caught already, the
/// runtime got there first (an app hosting the worker may have used Console), and a signal set
/// back to SIG_DFL now would have no handler and a default action that ends the process, so
/// nothing is touched. <see cref="Unheard"/> checks after
/// registration, and puts SIG_IGN back on a restored signal the runtime did not take after all.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
internal static class InheritedIgnores
{
    /// <summary>The signals <see cref="Restore"/> found ignored and set back to their default; the process reports them.</summary>
    public static IReadOnlyList<PosixSignal> Restored { get; private set; } = [];

    public static void Restore(IReadOnlyList<PosixSignal> signals)
    {
        if (ProcStatus.SignalMask(Environment.ProcessId, "SigIgn") is not { } ignored || ProcStatus.SignalMask(Environment.ProcessId, "SigCgt") is not { } caught) return;
        if (Has(caught, Signum.SIGCONT)) return;
        Restored = signals
            .Where(s => Has(ignored, SignalNames.ToSignum(s)) && Stdlib.SetSignalAction(SignalNames.ToSignum(s), SignalAction.Default) == 0)
            .ToList();
    }

    /// <summary>The handled signals that do not reach the process: those with no handler once the listener is registered.</summary>
    public static IReadOnlyList<PosixSignal> Unheard(IReadOnlyList<PosixSignal> signals)
    {
        if (ProcStatus.SignalMask(Environment.ProcessId, "SigCgt") is not { } caught) return [];
        var unheard = signals.Where(s => !Has(caught, SignalNames.ToSignum(s))).ToList();
        foreach (var signal in unheard.Intersect(Restored)) Stdlib.SetSignalAction(SignalNames.ToSignum(signal), SignalAction.Ignore);
        return unheard;
    }

    private static bool Has(ulong mask, Signum signal) => (mask & (1UL << ((int)signal - 1))) != 0;
}
