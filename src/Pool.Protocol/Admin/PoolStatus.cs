namespace Pool.Protocol.Admin;

/// <summary>A picture of one namespace in Redis: queues, workers on every host, pause state, totals.</summary>
public sealed record PoolStatus(
    IReadOnlyList<QueueStatus> Queues,
    IReadOnlyList<WorkerStatus> Workers,
    PauseState Pause,
    long Processed,
    long Failed,
    long FailedListLength,
    DateTimeOffset At)
{
    /// <summary>NS:pool:stat:requeued: jobs Pool workers put back unfinished (TERM, INT, USR1).</summary>
    public long Requeued { get; init; }

    /// <summary>NS:pool:stat:recovered: jobs of dead workers put back, whoever recovered them (a master at once, or a lease sweep).</summary>
    public long Recovered { get; init; }

    /// <summary>NS:pool:stat:poisoned: jobs failed as poison after their workers died too often.</summary>
    public long Poisoned { get; init; }
}

/// <param name="Paused">True when the queue is in Pool's paused-queues set.</param>
public sealed record QueueStatus(string Name, long Length, bool Paused);

/// <summary>A worker in Resque's registry or Pool's.</summary>
/// <param name="Pool">True for Pool workers (in NS:pool:workers or holding a lease); false for Ruby, Node and other foreign workers.</param>
/// <param name="LeaseAlive">For a Pool worker, whether its liveness lease is current; an expired one is about to be swept.</param>
public sealed record WorkerStatus(string Id, string Host, int? Pid, string Queues, bool Pool, bool LeaseAlive, CurrentJob? Job);

/// <summary>What a worker runs now, from NS:worker:ID.</summary>
/// <param name="RunFor">How long it has run, from run_at; null when run_at cannot be read.</param>
public sealed record CurrentJob(string Queue, string? Class, string? Args, string? RunAt, TimeSpan? RunFor);

/// <param name="All">NS:pause-all-workers is "true": no worker on any host takes a job.</param>
/// <param name="Queues">Pool's NS:pool:paused-queues: Pool workers skip these queues.</param>
public sealed record PauseState(bool All, IReadOnlyList<string> Queues);
