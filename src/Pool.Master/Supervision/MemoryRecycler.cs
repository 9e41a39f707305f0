using Mono.Unix.Native;
using Pool.Master.Config;
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
///
/// A limit below what the group's workers take at start (a .NET pool-worker's RSS is about
/// 50 MB, a Ruby worker's 100 MB and up) can never hold: each replacement is as big, and the
/// slot was recycled once a second for ever. So when a second worker of a group is over its
/// limit in its first <see cref="StartUp"/>, the master raises the group's limit to half as much
/// again as that worker's size (until a HUP reads the file again), so a job that grows a worker
/// far past its start is still stopped, and one warning names the fix.
/// </summary>
internal sealed class MemoryRecycler(SlotTable table, StopPlan stops, IWorkerProcesses os, ILogger log, GuardedStore store)
{
    /// <summary>How young a worker over its limit must be for that to be its size at start, not a job's.</summary>
    public static readonly TimeSpan StartUp = TimeSpan.FromSeconds(5);

    // Groups (of the running generation) with one worker over the limit at start so far, and the limits raised.
    private readonly HashSet<WorkerGroup> _overAtStart = [];
    private readonly Dictionary<WorkerGroup, int> _raised = [];

    public void Check(DateTimeOffset now)
    {
        if (_overAtStart.Count > 0)
        {
            // Forget the groups of generations that are gone (HUP).
            var live = table.Children.Select(c => c.Group).ToHashSet();
            _overAtStart.RemoveWhere(g => !live.Contains(g));
            foreach (var gone in _raised.Keys.Where(g => !live.Contains(g)).ToList()) _raised.Remove(gone);
        }
        foreach (var child in table.Children.ToList())
        {
            // A standby runs no job, so it cannot outgrow the limit a job is measured by.
            if (child.Group.MemoryLimitMb is not { } configured || child.Stop?.KilledAt is not null || child.Standby is not null) continue;
            var limit = _raised.GetValueOrDefault(child.Group, configured);
            if (os.ResidentMb(child.Pid) is not { } rss || rss <= limit) continue;
            if (child.Stop is null && RaisedToStartUpSize(child, rss, limit, now)) continue;

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

    /// <summary>True when the group's limit is below its workers' size at start; then it is raised (logged).</summary>
    private bool RaisedToStartUpSize(Child child, double rss, int limit, DateTimeOffset now)
    {
        var age = now - child.StartedAt;
        if (age >= StartUp || _overAtStart.Add(child.Group)) return false;
        var raised = _raised[child.Group] = (int)Math.Ceiling(rss * 1.5);
        log.Warning("worker {Pid} ({Group} slot {Slot}) uses {RssMb:0} MB {AgeMs:0} ms after its start, over its limit of {LimitMb} MB, as an earlier young worker of the group was: that is its size at start, not a job's, and a replacement would be as big; {Group} is held to {RaisedMb} MB instead until a HUP: raise memory_limit_mb well above {RssMb:0} MB",
            child.Pid, child.Group.Key, child.SlotNumber, rss, age.TotalMilliseconds, limit, child.Group.Key, raised, rss);
        return true;
    }
}
