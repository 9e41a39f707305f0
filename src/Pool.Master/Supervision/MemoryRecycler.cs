using Mono.Unix.Native;
using Pool.Master.Processes;
using Pool.Master.Stores;
using Serilog;

namespace Pool.Master.Supervision;

/// <summary>
/// Over memory_limit_mb: QUIT, so the worker finishes its current job and exits, and the slot
/// is refilled (gentle: no work is lost or repeated). Over twice the limit: the TERM path with
/// the group's deadline, even after a QUIT, because waiting for the job is no longer safe; an
/// iteration job checkpoints between items and other jobs are requeued. The job it ran is then
/// charged a death (<see cref="GuardedStore.Charge"/>, sent before the TERM), as if the worker
/// had crashed: a job that blows the limit every time ends as poison after its attempts instead
/// of looping through replacement workers for ever.
/// </summary>
internal sealed class MemoryRecycler(SlotTable table, StopPlan stops, IWorkerProcesses os, ILogger log, GuardedStore store)
{
    public void Check(DateTimeOffset now)
    {
        foreach (var child in table.Children.ToList())
        {
            // A standby runs no job, so it cannot outgrow the limit a job is measured by.
            if (child.Group.MemoryLimitMb is not { } limit || child.Stop?.KilledAt is not null || child.Standby is not null) continue;
            if (os.ResidentMb(child.Pid) is not { } rss || rss <= limit) continue;

            if (rss > 2 * limit)
            {
                if (child.Stop?.Signal == nameof(Signum.SIGTERM)) continue;
                log.Warning("worker {Pid} ({Group} slot {Slot}) uses {RssMb:0} MB, over twice its limit of {LimitMb} MB: TERM, SIGKILL after its term_timeout; its job counts an attempt, as a crash would",
                    child.Pid, child.Group.Key, child.SlotNumber, rss, limit);
                store.Charge(child.WorkerIds);
                stops.RequestStop(child, Signum.SIGTERM, "memory", withDeadline: true, now);
            }
            else if (child.Stop is null)
            {
                log.Warning("worker {Pid} ({Group} slot {Slot}) uses {RssMb:0} MB, over its limit of {LimitMb} MB: recycling it gently (QUIT: it finishes its current job, then is replaced)",
                    child.Pid, child.Group.Key, child.SlotNumber, rss, limit);
                // Keeps its slot: the exit is not a crash, so the slot is refilled at once (see ChildExits).
                stops.RequestStop(child, Signum.SIGQUIT, "memory", withDeadline: false, now);
            }
        }
    }
}
