namespace Pool.Master.Config;

/// <summary>The keys of the extended group form, and the limits of pool.yml's numbers. A mapping that has `count` is a group.</summary>
public static class GroupOptions
{
    public const string Count = "count";
    public const string TermTimeout = "term_timeout";
    public const string MemoryLimitMb = "memory_limit_mb";
    public const string MaxJobs = "max_jobs";
    public const string Command = "command";
    public const string JobTimeout = "job_timeout";
    public const string TargetLatency = "target_latency";
    public const string TargetJobsPerWorker = "target_jobs_per_worker";
    public const string ScaleDownAfter = "scale_down_after";
    public const string Standby = "standby";

    public static readonly IReadOnlySet<string> All =
        new HashSet<string>(StringComparer.Ordinal) { Count, TermTimeout, MemoryLimitMb, MaxJobs, Command, JobTimeout, GroupConcurrency.Key, TargetLatency, TargetJobsPerWorker, ScaleDownAfter, GroupRetries.RetriesKey, GroupRetries.DelaysKey, Standby };

    /// <summary>Workers per group, and in the whole resolved pool, above this are almost certainly a typo (and would exhaust the host).</summary>
    public const int MaxCount = 10_000;

    /// <summary>Standby workers per group: each is a whole idle process, so a few cover a burst of deaths.</summary>
    public const int MaxStandby = 10;

    /// <summary>1 TiB: a larger limit is a typo, and RSS in MB times two (the hard recycle) must not overflow.</summary>
    public const int MaxMemoryLimitMb = 1_048_576;
}
