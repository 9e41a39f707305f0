namespace Pool.Worker.Limits;

/// <summary>
/// max_jobs (POOL_MAX_JOBS), Celery's max_tasks_per_child: after that many jobs the worker
/// stops taking jobs and exits 0, and the master replaces it, so leaks cannot pile up.
/// Shared by the lanes of a process (concurrency N), which spend it from their own threads; the
/// lanes still running a job when it is spent finish theirs, so up to N - 1 more jobs may end.
/// </summary>
internal sealed class JobBudget(int? maxJobs)
{
    private int _done;

    public int? Max => maxJobs;
    public int Done => Volatile.Read(ref _done);

    /// <summary>Counts one finished job (whatever its outcome); true when the budget is now spent.</summary>
    public bool Spend() => maxJobs is { } max && Interlocked.Increment(ref _done) == max;
}
