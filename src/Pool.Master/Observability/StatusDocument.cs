using Pool.Protocol.Admin;

namespace Pool.Master.Observability;

/// <summary>The JSON body of /status: this master and its children, each with its current job from Redis when Redis answers.</summary>
internal static class StatusDocument
{
    public static object Build(MasterSnapshot s, IReadOnlyDictionary<string, CurrentJob?>? jobs, DateTimeOffset now) => new
    {
        Master = new
        {
            Pid = Environment.ProcessId,
            s.State,
            StartedAt = s.MasterStartedAt,
            UptimeSeconds = Seconds(now - s.MasterStartedAt),
            RssBytes = ProcessMemory.RssBytes(Environment.ProcessId),
            s.Restarts,
            SnapshotAt = s.At,
            // Null when Redis did not answer in time: the jobs below are then unknown, not idle.
            RedisAnswered = jobs is not null,
        },
        // Memory budget and autoscaling, as of the last capacity sample (about once a second).
        Capacity = s.Capacity is { } c ? Capacity.CapacityJson.From(c) : null,
        Workers = s.Workers.Select(w => new
        {
            w.Pid,
            w.WorkerId,
            w.Group,
            w.Slot,
            w.State,
            w.StopReason,
            w.StartedAt,
            UptimeSeconds = w.StartedAt is { } started ? Seconds(now - started) : (double?)null,
            RssBytes = w.Pid is { } pid ? ProcessMemory.RssBytes(pid) : null,
            w.Restarts,
            Backoff = new { w.CrashLooping, w.NextSpawnAt },
            // The first lane's job (a single-lane worker's only one), and every lane's with `concurrency: N`.
            Job = w.WorkerId is { } id && jobs is not null && jobs.TryGetValue(id, out var job) && job is { } j ? JobJson(j) : null,
            Jobs = jobs is null ? null : w.LaneIds.Select(lane => jobs.GetValueOrDefault(lane)).OfType<CurrentJob>().Select(JobJson).ToList(),
        }),
        // Null when this master runs without the scheduler (POOL_SCHEDULER=off).
        Scheduler = Scheduling.SchedulerHost.Current?.State is { } sched
            ? new { sched.Leader, sched.Holder, sched.DueJobs, LagSeconds = Seconds(sched.Lag), sched.Moved, Fired = Scheduling.SchedulerHost.Current?.Fired ?? 0 }
            : null,
    };

    private static double Seconds(TimeSpan t) => Math.Round(t.TotalSeconds, 3);

    private static object JobJson(CurrentJob j) => new { j.Queue, j.Class, j.Args, j.RunAt, RunSeconds = j.RunFor is { } r ? Seconds(r) : (double?)null };
}
