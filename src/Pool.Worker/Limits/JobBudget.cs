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

    /// <summary>
    /// Counts one finished job (whatever its outcome); true when the budget is spent, by this job
    /// or an earlier one. With several lanes, a lane that finishes after another spent the budget
    /// must stop too, even before that lane's stop request reaches it; <paramref name="first"/>
    /// says whether this job is the one that spent it (to log it once).
    /// </summary>
    public bool Spend(out bool first)
    {
        first = false;
        if (maxJobs is not { } max) return false;
        var done = Interlocked.Increment(ref _done);
        first = done == max;
        return done >= max;
    }
}
