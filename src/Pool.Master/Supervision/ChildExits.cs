using Pool.Master.Processes;
using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>A reaped child: recover its job, clean its process group, and decide when its slot is refilled.</summary>
internal sealed class ChildExits(SlotTable table, StopPlan stops, GuardedStore store, IWorkerProcesses os, ILogger log)
{
    /// <summary>A slot whose worker exits 0 by itself is refilled no more often than this, so a command that exits at once cannot spin.</summary>
    private static readonly TimeSpan MinRecycleUptime = TimeSpan.FromSeconds(1);

    public void OnExited(IWorkerProcess process, DateTimeOffset now)
    {
        // The spawn that registered this child ran before this event was handled (same loop).
        if (!table.TryRemove(process, out var child)) return;
        var code = process.ExitCode;
        process.Dispose();

        // Leftovers of the job in the worker's own group (the worker is gone, so they are orphans).
        // Killed before recovery, so no process of the group can still finish a job being recovered;
        // their pids are read first, since a foreign worker may be one of them (see ProcessGroup).
        var group = os.GroupMembers(child.Pid);
        if (os.KillGroup(child.Pid))
            log.Warning("worker {Pid} left processes in its group; sent SIGKILL to group {Pgid}", child.Pid, child.Pid);

        // A standby never registered, so it holds no job; a promoted one is a slot's worker here.
        if (child.Standby is { } place)
        {
            OnStandbyExited(place, child, code, now);
            return;
        }

        // Its jobs, if any (one per lane), go back on the queue now rather than when their leases expire.
        store.RecoverWorker(child.WorkerId, child.Pid, [child.Pid, .. group]);
        foreach (var lane in child.WorkerIds.Skip(1)) store.RecoverWorker(lane, child.Pid, []);

        ReportStop(child, code, now);
        if (child.Slot is { } slot) Refill(slot, child, code, now);
    }

    /// <summary>A standby that exited: refilled at once after a stop the master asked for, after its backoff otherwise.</summary>
    private void OnStandbyExited(StandbyPlace place, Child child, int code, DateTimeOffset now)
    {
        place.Child = null;
        if (child.Stop is not null || stops.IsStopping)
        {
            ReportStop(child, code, now);
            return;
        }
        var step = place.Backoff.Exited();
        place.SpawnAt = now + step.Delay;
        if (step.StartedLooping || !place.Backoff.IsLooping)
            log.Warning("standby worker {Pid} for {Group} {Exit} after {UptimeMs:0} ms; starting another in {DelayMs:0} ms",
                child.Pid, child.Group.Key, ExitText.Crash(code), (now - child.StartedAt).TotalMilliseconds, step.Delay.TotalMilliseconds);
    }

    private void ReportStop(Child child, int code, DateTimeOffset now)
    {
        if (child.Stop is { } stop)
        {
            var outcome = stop.KilledAt is not null ? "killed (SIGKILL to its group)" : ExitText.AfterStop(code, stop.Signal);
            // While the master stops, the drain report lists every worker once; a line here too logged each stop twice.
            if (stops.IsStopping) stops.Drain.Add(child, now, outcome);
            else if (child.SlotNumber < 0)
                log.Information("standby worker {Pid} ({Group}) stopped after {StopMs:0} ms: {Outcome}",
                    child.Pid, child.Group.Key, (now - stop.RequestedAt).TotalMilliseconds, outcome);
            else
                log.Information("worker {Pid} ({Group} slot {Slot}) stopped after {StopMs:0} ms: {Outcome}",
                    child.Pid, child.Group.Key, child.SlotNumber, (now - stop.RequestedAt).TotalMilliseconds, outcome);
        }
        else if (stops.IsStopping)
        {
            stops.Drain.Add(child, now, ExitText.ByItself(code) + " before it was asked to stop");
        }
    }

    private void Refill(Slot slot, Child child, int code, DateTimeOffset now)
    {
        slot.Child = null;
        if (child.Stop is not null)
        {
            // Stopped on purpose (memory recycle): refill at once, it is not a crash.
            slot.SpawnAt = null;
            return;
        }

        if (code == 0 && !stops.IsStopping)
        {
            // A worker that exits 0 on its own recycled itself (max_jobs, or a job past its hard
            // time limit): not a crash, so the backoff is untouched. The slot is refilled at once,
            // but at most once per MinRecycleUptime, so a command that exits 0 at once cannot spin.
            var uptime = now - child.StartedAt;
            slot.SpawnAt = uptime >= MinRecycleUptime ? null : child.StartedAt + MinRecycleUptime;
            log.Information("worker {Pid} ({Group} slot {Slot}) recycled itself (exit 0 after {UptimeMs:0} ms); replacing it",
                child.Pid, slot.Group.Group.Key, slot.Number, uptime.TotalMilliseconds);
            return;
        }

        var step = slot.Backoff.Exited();
        slot.SpawnAt = now + step.Delay;
        if (step.StartedLooping)
        {
            log.Warning("slot {Group}/{Slot} crash-looping, backing off (worker {Pid} {Exit} after {UptimeMs:0} ms; next try in {DelayMs:0} ms)",
                slot.Group.Group.Key, slot.Number, child.Pid, ExitText.Crash(code), (now - child.StartedAt).TotalMilliseconds, step.Delay.TotalMilliseconds);
        }
        else if (!slot.Backoff.IsLooping)
        {
            log.Warning("worker {Pid} ({Group} slot {Slot}) {Exit} after {UptimeMs:0} ms; replacing it",
                child.Pid, slot.Group.Group.Key, slot.Number, ExitText.Crash(code), (now - child.StartedAt).TotalMilliseconds);
        }
    }
}
