namespace Pool.Master.Capacity;

/// <summary>
/// What a worker of a group may come to cost, which the budget counts for each one, running or
/// about to start: the group's memory_limit_mb (a worker never stays above it, it is recycled),
/// else <see cref="DefaultWorkerMb"/>, or the largest PSS measured among the group's workers
/// where that is more. Not the measured PSS alone: an idle worker is a fraction of a busy one,
/// and counting idle workers at their idle size let a burst start workers that each took a big
/// job and took a cgroup of 400 MB to its OOM killer, which killed the master (a trial, 2026-12-03).
/// </summary>
public static class WorkerCost
{
    /// <summary>
    /// A pool-worker with the sample jobs, idle, on .NET 10 is about 20 MB of PSS with a few
    /// siblings (bench: capacity); a busy one with a real job's heap a few times that. 64 MB
    /// leaves room for the job; set memory_limit_mb on a group whose workers are bigger (Ruby's
    /// rake resque:work is 100 MB and up).
    /// </summary>
    public const int DefaultWorkerMb = 64;

    /// <summary>What the master itself is counted at before it measured itself: its own PSS idle is well under this.</summary>
    public const int MasterReserveMb = 48;

    public static long Estimate(Config.WorkerGroup group, IEnumerable<long>? measured = null)
    {
        var largest = measured?.DefaultIfEmpty(0).Max() ?? 0;
        return Math.Max(largest, (group.MemoryLimitMb ?? DefaultWorkerMb) * Megabytes.Bytes);
    }

    public static string DescribeEstimate(Config.WorkerGroup group) => group.MemoryLimitMb is { } mb
        ? $"{mb} MB per worker (its memory_limit_mb)"
        : $"{DefaultWorkerMb} MB per worker (Pool's default estimate; set memory_limit_mb to change it)";
}
