using Mono.Unix.Native;
using Pool.Master.Config;
using Pool.Master.Processes;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>
/// Stopping children in stages, each named in the log: "signal" (TERM, INT or QUIT to the worker),
/// "wait" (until its own term_timeout plus the kill grace), "kill" (SIGKILL to its process group),
/// "wait briefly" (AfterKillWait for the reap), then the master's "report". A child's deadline is
/// fixed when it is first asked to stop; asking again never extends it. This is both the master's
/// own shutdown (TERM, INT, QUIT) and the stop of single children (retire, memory).
/// </summary>
internal sealed class StopPlan(SlotTable table, MasterSettings settings, SupervisorOptions options, IWorkerProcesses os,
    SystemdNotifier systemd, ILogger log)
{
    private enum Mode { None, Quit, Graceful, Immediate }

    private Mode _mode = Mode.None;

    /// <summary>When the master's own stop began; null while it runs.</summary>
    public DateTimeOffset? StartedAt { get; private set; }

    /// <summary>True once TERM, INT or QUIT asked the master to stop: no more spawns, HUP or resizing.</summary>
    public bool IsStopping => _mode != Mode.None;

    /// <summary>How each child ended during the master's stop, logged at the end.</summary>
    public DrainReport Drain { get; } = new();

    /// <summary>Done once a stop was asked for and no child is left, or the ones left ignored SIGKILL for too long.</summary>
    public bool IsFinished(DateTimeOffset now)
    {
        if (_mode == Mode.None) return false;
        if (!table.Children.All(c => c.Stop?.KilledAt is { } killed && now - killed >= options.AfterKillWait)) return false;
        foreach (var child in table.Children)
        {
            log.Error("stage wait briefly: worker {Pid} still not reaped {WaitMs:0} ms after SIGKILL; giving up on it",
                child.Pid, options.AfterKillWait.TotalMilliseconds);
            Drain.AddUnreaped(child, now);
        }
        return true;
    }

    /// <summary>TERM or INT: the first asks every child to stop with a deadline, the second kills them all now.</summary>
    public void StopGracefully(string why, DateTimeOffset now)
    {
        if (_mode is Mode.Graceful or Mode.Immediate)
        {
            StopNow(why, now);
            return;
        }
        var signal = settings.TermChild ? Signum.SIGTERM : Signum.SIGINT;
        _mode = Mode.Graceful;
        systemd.Notify("STOPPING=1");
        StartedAt ??= now;
        log.Information("stage signal: {Why}: stopping {Count} worker(s) with {Signal:l}, SIGKILL to each group after its term_timeout + {GraceMs:0} ms",
            why, table.ChildCount, signal.ToString(), settings.KillGrace.TotalMilliseconds);
        foreach (var child in table.Children.ToList()) RequestStop(child, signal, "shutdown", withDeadline: true, now);
    }

    /// <summary>QUIT: every child finishes its current job, however long it takes.</summary>
    public void StopAfterCurrentJobs(DateTimeOffset now)
    {
        if (_mode != Mode.None)
        {
            log.Information("QUIT ignored: already stopping");
            return;
        }
        _mode = Mode.Quit;
        systemd.Notify("STOPPING=1");
        StartedAt = now;
        log.Information("stage signal: QUIT: {Count} worker(s) finish their current job, then exit; no deadline", table.ChildCount);
        foreach (var child in table.Children.ToList()) RequestStop(child, Signum.SIGQUIT, "shutdown", withDeadline: false, now);
    }

    /// <summary>The second TERM or INT: SIGKILL every group now, then wait briefly for the reaps.</summary>
    private void StopNow(string why, DateTimeOffset now)
    {
        _mode = Mode.Immediate;
        StartedAt ??= now;
        log.Warning("stage kill: {Why} again: stop now, SIGKILL to {Count} worker group(s)", why, table.ChildCount);
        foreach (var child in table.Children) Kill(child, "stop now", now);
    }

    /// <summary>Stage "signal" for one child. With a deadline, stage "kill" follows at its term_timeout + kill grace.</summary>
    public void RequestStop(Child child, Signum signal, string reason, bool withDeadline, DateTimeOffset now)
    {
        DateTimeOffset? killAt = withDeadline ? now + (child.Group.TermTimeout ?? settings.TermTimeout) + settings.KillGrace : null;
        if (child.Stop is { } earlier)
        {
            if (earlier.KilledAt is not null) return;
            // A later, stricter request (TERM after QUIT) gets its signal through and a deadline; never a later one.
            if (earlier.Signal == signal.ToString() && (earlier.KillAt is not null || killAt is null)) return;
            earlier.Signal = signal.ToString();
            if (killAt is { } k && (earlier.KillAt is null || k < earlier.KillAt)) earlier.KillAt = k;
        }
        else
        {
            child.Stop = new StopRequest(reason, signal.ToString(), now, killAt);
        }
        os.Send(child.Pid, AsItCanTake(child, signal, now));
    }

    /// <summary>
    /// QUIT's default action dumps core: a child too young to catch it yet (a TTOU or the master's
    /// QUIT just after a spawn) died with a core, which systemd-coredump reports as a crash. Such a
    /// child holds no job, so TERM ends it the same way, without the core.
    /// </summary>
    private Signum AsItCanTake(Child child, Signum signal, DateTimeOffset now) =>
        signal == Signum.SIGQUIT && now - child.StartedAt < Processes.HeldSignals.YoungFor && !os.Catches(child.Pid, Signum.SIGQUIT)
            ? Signum.SIGTERM
            : signal;

    /// <summary>
    /// Takes a child out of its slot for good (HUP, TTOU, WINCH). HUP replaces a worker: TERM and
    /// its deadline, as resque-pool does with TERM_CHILD, so a deploy's new config is in force
    /// within term_timeout. A scale-down (TTOU, WINCH) only removes capacity, so, as in
    /// resque-pool, it sends QUIT: the worker finishes its current job, then exits; a later TERM
    /// of the master still reaches it with a deadline.
    /// </summary>
    public void Retire(Child child, string reason, DateTimeOffset now, bool finishJob = false)
    {
        child.Slot = null;
        if (finishJob)
        {
            log.Information("stage signal: retiring worker {Pid} ({Group} slot {Slot}): {Reason}, QUIT: it finishes its current job, then exits", child.Pid, child.Group.Key, child.SlotNumber, reason);
            RequestStop(child, Signum.SIGQUIT, reason, withDeadline: false, now);
            return;
        }
        log.Information("stage signal: retiring worker {Pid} ({Group} slot {Slot}): {Reason}", child.Pid, child.Group.Key, child.SlotNumber, reason);
        RequestStop(child, Signum.SIGTERM, reason, withDeadline: true, now);
    }

    /// <summary>
    /// Lets a standby go (HUP, WINCH): it holds nothing, so TERM ends it at once; the deadline
    /// only guards a standby that hangs. From here it is a retiring child like any other.
    /// </summary>
    public void Dismiss(Child standby, string reason, DateTimeOffset now)
    {
        if (standby.Standby is { } place && ReferenceEquals(place.Child, standby)) place.Child = null;
        standby.Standby = null;
        log.Information("stage signal: dismissing standby worker {Pid} ({Group}): {Reason}", standby.Pid, standby.Group.Key, reason);
        RequestStop(standby, Signum.SIGTERM, reason, withDeadline: true, now);
    }

    private void Kill(Child child, string reason, DateTimeOffset now)
    {
        child.Stop ??= new StopRequest(reason, "SIGKILL", now, now);
        if (child.Stop.KilledAt is not null) return;
        child.Stop.KilledAt = now;
        os.KillGroup(child.Pid);
    }

    /// <summary>Stage "kill" for every child whose deadline has passed.</summary>
    public void EnforceDeadlines(DateTimeOffset now)
    {
        foreach (var child in table.Children)
        {
            if (child.Stop is not { KillAt: { } killAt, KilledAt: null } stop || now < killAt) continue;
            log.Warning("stage kill: worker {Pid} ({Group} slot {Slot}) still alive {WaitMs:0} ms after {Signal} ({Reason}); SIGKILL to its process group",
                child.Pid, child.Group.Key, child.SlotNumber, (now - stop.RequestedAt).TotalMilliseconds, stop.Signal, stop.Reason);
            Kill(child, stop.Reason, now);
        }
    }

    /// <summary>
    /// The earliest kill deadline or end of a post-kill wait still ahead, if any child has one. A
    /// post-kill wait that has ended is left out: the loop would wake for it at once, again and again.
    /// </summary>
    public DateTimeOffset? NextDeadline(DateTimeOffset now) => table.Children.Select(NextDeadline).Where(d => d > now).Min();

    private DateTimeOffset? NextDeadline(Child child) => child.Stop switch
    {
        { KilledAt: { } killed } => killed + options.AfterKillWait,
        { KillAt: { } killAt } => killAt,
        _ => null,
    };
}
