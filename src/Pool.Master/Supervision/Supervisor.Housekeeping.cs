using Mono.Unix.Native;
using Pool.Master.Processes;

namespace Pool.Master.Supervision;

/// <summary>Once a second: end crash-loop states of healthy slots, recycle workers over their memory limit, renew the children's leases, sweep leases.</summary>
internal sealed partial class Supervisor
{
    private void Housekeep(DateTimeOffset now)
    {
        foreach (var slot in _groups.SelectMany(g => g.Slots))
        {
            if (slot.Child is { } child && slot.Backoff.CheckHealthy())
                _log.Information("slot {Group}/{Slot} healthy again, backoff reset (worker {Pid} up {UptimeMs:0} ms)",
                    slot.Group.Group.Key, slot.Number, child.Pid, (now - child.StartedAt).TotalMilliseconds);
        }
        CheckMemory();
        StartCapacitySample(now);
        // The master sees a child die at once; until then it vouches for it, so a child that is
        // only silent (SIGSTOP, a GC pause) is never swept and its job never run twice at once.
        _store.VouchFor(_children.Values.Select(c => c.WorkerId).ToList());
        if (now >= _nextLeaseSweep)
        {
            _nextLeaseSweep = now + _options.LeaseSweepInterval;
            _store.SweepExpiredLeases();
        }
    }

    /// <summary>
    /// Over memory_limit_mb: QUIT, so the worker finishes its current job and exits, and the slot
    /// is refilled (gentle: no work is lost or repeated). Over twice the limit: the TERM path with
    /// the group's deadline, even after a QUIT, because waiting for the job is no longer safe; an
    /// iteration job checkpoints between items and other jobs are requeued.
    /// </summary>
    private void CheckMemory()
    {
        foreach (var child in _children.Values.ToList())
        {
            if (child.Group.MemoryLimitMb is not { } limit || child.Stop?.KilledAt is not null) continue;
            if (ProcStatus.ResidentMb(child.Pid) is not { } rss || rss <= limit) continue;

            if (rss > 2 * limit)
            {
                if (child.Stop?.Signal == nameof(Signum.SIGTERM)) continue;
                _log.Warning("worker {Pid} ({Group} slot {Slot}) uses {RssMb:0} MB, over twice its limit of {LimitMb} MB: TERM, SIGKILL after its term_timeout",
                    child.Pid, child.Group.Key, child.SlotNumber, rss, limit);
                RequestStop(child, Signum.SIGTERM, "memory", withDeadline: true);
            }
            else if (child.Stop is null)
            {
                _log.Warning("worker {Pid} ({Group} slot {Slot}) uses {RssMb:0} MB, over its limit of {LimitMb} MB: recycling it gently (QUIT: it finishes its current job, then is replaced)",
                    child.Pid, child.Group.Key, child.SlotNumber, rss, limit);
                // Keeps its slot: the exit is not a crash, so the slot is refilled at once (see OnChildExited).
                RequestStop(child, Signum.SIGQUIT, "memory", withDeadline: false);
            }
        }
    }
}
