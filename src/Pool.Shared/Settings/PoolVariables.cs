namespace Pool.Settings;

/// <summary>
/// The environment variables of DESIGN.md that more than one program reads or writes: the
/// master sets the first group in every worker's environment, the worker reads them. One home,
/// so the writer and the reader cannot drift apart.
/// </summary>
internal static class PoolVariables
{
    // Set by pool-master for each worker (ChildEnvironment); read by pool-worker.
    public const string Queues = "QUEUES";
    /// <summary>Resque's name for a single queue; read as a fallback for QUEUES.</summary>
    public const string Queue = "QUEUE";
    public const string TermChild = "TERM_CHILD";
    public const string TermTimeout = "TERM_TIMEOUT";
    /// <summary>Ruby Resque's name for TERM_TIMEOUT, so a `rake resque:work` child gets the same deadline.</summary>
    public const string ResqueTermTimeout = "RESQUE_TERM_TIMEOUT";
    public const string RedisUrl = "REDIS_URL";
    public const string MasterPid = "POOL_MASTER_PID";
    public const string WorkerSlot = "POOL_WORKER_SLOT";
    /// <summary>Set to 1 for a group's standby worker (`standby: N`): it starts and connects, then waits on stdin for "slot N" before it registers.</summary>
    public const string Standby = "POOL_STANDBY";
    /// <summary>Set to 1 for a worker the master starts while USR2 has the pool paused (until CONT): it starts paused, as the workers it replaces are.</summary>
    public const string Paused = "POOL_PAUSED";
    public const string Namespace = "POOL_NAMESPACE";
    public const string LogFormat = "POOL_LOG_FORMAT";
    public const string JobTimeout = "POOL_JOB_TIMEOUT";
    public const string MaxJobs = "POOL_MAX_JOBS";
    /// <summary>A group's concurrency: jobs one worker process runs at once; set only above 1.</summary>
    public const string Concurrency = "POOL_CONCURRENCY";
    /// <summary>A group's `retries` (Config/GroupRetries.cs), read by the worker's retry rule.</summary>
    public const string Retries = "POOL_RETRIES";
    /// <summary>A group's `retry_delays`, comma-separated seconds.</summary>
    public const string RetryDelays = "POOL_RETRY_DELAYS";

    // Read by both programs from their own environment.
    public const string Lease = "POOL_LEASE";
    public const string MaxAttempts = "POOL_MAX_ATTEMPTS";
    public const string LogLevel = "POOL_LOG_LEVEL";
    public const string PollInterval = "POOL_POLL_INTERVAL";

    /// <summary>The job assemblies POOL_JOBS names: comma- or path-separator-separated; empty when unset.</summary>
    public static IReadOnlyList<string> JobPaths(string? value) =>
        (value ?? "").Split([',', Path.PathSeparator], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>POOL_MAX_ATTEMPTS: how many deaths while running a job make it poison; null (the store's default) when unset or not a whole number above zero.</summary>
    public static int? MaxAttemptsFrom(string? value) => int.TryParse(value, out var n) && n > 0 ? n : null;
}
