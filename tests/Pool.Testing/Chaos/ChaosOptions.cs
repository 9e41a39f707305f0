namespace Pool.Testing.Chaos;

/// <summary>What a chaos run does: how many Record jobs, how many workers, and for how long it breaks things.</summary>
public sealed record ChaosOptions
{
    public int Jobs { get; init; } = 3000;
    public int Workers { get; init; } = 4;

    /// <summary>Lanes per worker process (`concurrency:`); a kill -9 then ends that many jobs at once.</summary>
    public int Concurrency { get; init; } = 1;

    /// <summary>Standby workers of the group (`standby:`): a killed worker's slot goes to one of them.</summary>
    public int Standby { get; init; }

    /// <summary>How long the kills go on. Jobs are fed in waves over this time, one wave per kill.</summary>
    public TimeSpan ChaosFor { get; init; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// The kills go on past <see cref="ChaosFor"/> (up to twice as long) until this many workers
    /// were killed: on a loaded machine workers take longer to be ready, and fewer kills land.
    /// </summary>
    public int MinWorkerKills { get; init; }

    /// <summary>A worker kill -9 comes every KillEveryMin..KillEveryMax (uniformly random).</summary>
    public TimeSpan KillEveryMin { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan KillEveryMax { get; init; } = TimeSpan.FromMilliseconds(750);

    /// <summary>How long the pool may take, after the chaos, to run every job and empty its in-flight records.</summary>
    public TimeSpan DrainDeadline { get; init; } = TimeSpan.FromSeconds(45);

    /// <summary>How long each job works before it records its run, so a stall or a kill can land mid-job.</summary>
    public int JobMs { get; init; } = 1;

    /// <summary>Workers' lease (POOL_LEASE): short, so a stall outlasts it and a sweep would be tempted.</summary>
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a stalled (SIGSTOP) worker stays stopped: longer than the lease.</summary>
    public TimeSpan StallFor { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// The one-off blows (stalls, signal bursts, a master kill, a Redis restart) between the worker
    /// kills; without them the run only kill -9s workers.
    /// </summary>
    public bool OneOffBlows { get; init; } = true;

    public int Seed { get; init; } = Environment.TickCount;

    /// <summary>Progress lines (test output or the bench's stderr).</summary>
    public Action<string> Log { get; init; } = _ => { };
}
