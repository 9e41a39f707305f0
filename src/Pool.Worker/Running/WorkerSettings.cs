namespace Pool.Worker.Running;

/// <summary>Everything a worker process is told at start, resolved from the command line and environment.</summary>
public sealed record WorkerSettings
{
    /// <summary>Queues in priority order; "*" stands for every queue, alphabetically.</summary>
    public required IReadOnlyList<string> Queues { get; init; }
    public required string RedisUrl { get; init; }
    public string? Namespace { get; init; }
    public TimeSpan TermTimeout { get; init; } = TimeSpan.FromSeconds(25);
    /// <summary>The longest an idle worker waits before looking at its queues anyway (foreign producers only RPUSH).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>When set, the worker stops (TERM path) as soon as its parent is no longer this pid.</summary>
    public int? MasterPid { get; init; }
    /// <summary>max_jobs (POOL_MAX_JOBS): exit 0 after this many jobs so the master replaces the worker.</summary>
    public int? MaxJobs { get; init; }
    /// <summary>job_timeout (POOL_JOB_TIMEOUT): the time limit of jobs without a [JobTimeout] of their own.</summary>
    public Limits.TimeLimit? JobTimeout { get; init; }
    /// <summary>POOL_LEASE: how long this worker counts as alive without a word from it or its master.</summary>
    public TimeSpan Lease { get; init; } = Pool.Protocol.Working.WorkerLease.Default;
    /// <summary>
    /// concurrency (POOL_CONCURRENCY): how many jobs this process runs at once, each in a lane of
    /// its own (<see cref="WorkerLane"/>). 1, the default, keeps resque-pool's one job per process.
    /// </summary>
    public int Concurrency { get; init; } = 1;
    public string QueueList => string.Join(',', Queues);
}
