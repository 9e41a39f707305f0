using Mono.Unix.Native;
using Pool.Signals;
using System.Runtime.InteropServices;
using Pool.Master.Processes;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>USR1, USR2 and CONT go on to every child; a just-started child gets USR1 or USR2 only once it can take them (see HeldSignals).</summary>
internal sealed class SignalRelay(SlotTable table, IWorkerProcesses os, ILogger log)
{
    /// <summary>How often a child's held signals are retried.</summary>
    public static readonly TimeSpan HeldSignalPoll = TimeSpan.FromMilliseconds(20);

    public void Relay(PosixSignal signal, string name, DateTimeOffset now)
    {
        var signum = SignalNames.ToSignum(signal);
        if (signum == Signum.SIGUSR2) table.WorkersPaused = true;
        else if (signum == Signum.SIGCONT) table.WorkersPaused = false;
        var sent = table.Children.Count(c => c.Held.Relay(os, c.Pid, signum, c.IsYoung(now)));
        var held = table.Children.Count(c => c.Held.Any);
        if (held == 0) log.Information("passed {Signal} on to {Count} worker(s)", name, sent);
        else log.Information("passed {Signal} on to {Count} worker(s); held for {Held} just-started worker(s) until they handle it", name, sent, held);
    }

    /// <summary>Hands held signals to the children that can take them now (or are no longer young).</summary>
    public void FlushHeld(DateTimeOffset now)
    {
        foreach (var child in table.Children)
        {
            if (child.Held.Any) child.Held.Flush(os, child.Pid, child.IsYoung(now));
        }
    }

    /// <summary>When held signals should be looked at again, if any child has one; a child catches them within moments of its start.</summary>
    public DateTimeOffset? NextFlush(DateTimeOffset now) => table.Children.Any(c => c.Held.Any) ? now + HeldSignalPoll : null;
}
