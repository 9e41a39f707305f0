using Mono.Unix.Native;

namespace Pool.Master.Processes;

/// <summary>
/// The signals the master relays to one child (USR1, USR2, CONT), held while the child cannot
/// take them yet. A worker that has just been spawned runs env, setsid, then the runtime's
/// start-up before it handles USR1 or USR2; until then their default action kills it, which the
/// master would count as a crash and back the slot off for. So a young child gets USR1 or USR2
/// only once /proc shows it catches that signal (SigCgt), and everything relayed after a held
/// signal waits behind it, so USR2 then CONT never arrive as CONT then USR2. A child that does
/// not catch the signal by <see cref="YoungFor"/> after its start gets it anyway, as resque-pool
/// would send it: a command that does not handle USR1 is not waited for forever.
/// Owned by the supervisor loop.
/// </summary>
internal sealed class HeldSignals
{
    /// <summary>How long after its start a child's uncaught USR1 or USR2 is held for it.</summary>
    public static readonly TimeSpan YoungFor = TimeSpan.FromSeconds(10);

    private readonly Queue<Signum> _queue = new();

    public bool Any => _queue.Count > 0;

    /// <summary>Sends <paramref name="signal"/> now, or holds it; true when it was sent.</summary>
    public bool Relay(IWorkerProcesses os, int pid, Signum signal, bool young)
    {
        _queue.Enqueue(signal);
        return Flush(os, pid, young) > 0 && !Any;
    }

    /// <summary>Sends the held signals the child can take now, in order; returns how many were sent.</summary>
    public int Flush(IWorkerProcesses os, int pid, bool young)
    {
        var sent = 0;
        while (_queue.TryPeek(out var next) && (!young || CanTake(os, pid, next)))
        {
            _queue.Dequeue();
            if (os.Send(pid, next)) sent++;
        }
        return sent;
    }

    /// <summary>
    /// USR1 and USR2 go only to a process that catches them (their default action kills it), and
    /// CONT too: its default action does nothing, so a worker started paused (POOL_PAUSED) that
    /// got it before it listened would stay paused.
    /// </summary>
    private static bool CanTake(IWorkerProcesses os, int pid, Signum signal) =>
        signal is not (Signum.SIGUSR1 or Signum.SIGUSR2 or Signum.SIGCONT) || os.Catches(pid, signal);
}
