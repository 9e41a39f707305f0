namespace Pool.Master.Capacity;

/// <summary>
/// What one more worker of a group is expected to cost before it runs. Measured PSS wins where
/// there is any (the largest of the group's running workers, since a busy worker is bigger than
/// an idle one); before that, the group's memory_limit_mb (a worker never stays above it, it is
/// recycled), else <see cref="DefaultWorkerMb"/>.
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
        return largest > 0 ? largest : (group.MemoryLimitMb ?? DefaultWorkerMb) * Megabytes.Bytes;
    }

    public static string DescribeEstimate(Config.WorkerGroup group) => group.MemoryLimitMb is { } mb
        ? $"{mb} MB per worker (its memory_limit_mb)"
        : $"{DefaultWorkerMb} MB per worker (Pool's default estimate; set memory_limit_mb to change it)";
}
