namespace Pool.Worker.Limits;

/// <summary>
/// max_jobs (POOL_MAX_JOBS), Celery's max_tasks_per_child: after that many jobs the worker
/// stops taking jobs and exits 0, and the master replaces it, so leaks cannot pile up.
/// </summary>
internal sealed class JobBudget(int? maxJobs)
{
    private int _done;

    public int? Max => maxJobs;
    public int Done => _done;

    /// <summary>Counts one finished job (whatever its outcome); true when the budget is now spent.</summary>
    public bool Spend() => maxJobs is { } max && ++_done >= max;
}
