using Pool.Logging;

namespace Pool.Master.Config;

/// <summary>Everything `pool-master run` was told, by flags or by their environment variables.</summary>
public sealed record MasterSettings
{
    public required string ConfigPath { get; init; }
    public string? Environment { get; init; }
    /// <summary>The environment was named by --environment (-E), which, as in resque-pool, the workers are told too.</summary>
    public bool EnvironmentFromFlag { get; init; }
    /// <summary>The default worker command as argv; a group's own `command` overrides it.</summary>
    public required IReadOnlyList<string> WorkerCommand { get; init; }
    public TimeSpan TermTimeout { get; init; } = TimeSpan.FromSeconds(25);
    /// <summary>How long after a child's term_timeout the master waits before SIGKILL of its group.</summary>
    public TimeSpan KillGrace { get; init; } = TimeSpan.FromSeconds(1);
    public required string RedisUrl { get; init; }
    public string? PidFile { get; init; }
    internal LogFormat LogFormat { get; init; } = LogFormat.Text;
    /// <summary>TERM_CHILD=0 keeps resque-pool's old immediate TERM (children get INT).</summary>
    public bool TermChild { get; init; } = true;
    /// <summary>Redis key namespace, "resque" by default (POOL_NAMESPACE).</summary>
    public string Namespace { get; init; } = "resque";
    /// <summary>Where /status and /metrics are served (--http, POOL_HTTP): PORT (loopback) or HOST:PORT; null means off.</summary>
    public string? Http { get; init; }
    /// <summary>How long a worker counts as alive without a word from it or its master (POOL_LEASE); workers inherit it.</summary>
    public TimeSpan Lease { get; init; } = Pool.Protocol.Working.WorkerLease.Default;
    /// <summary>How many deaths while running a job make it poison (POOL_MAX_ATTEMPTS).</summary>
    public int MaxAttempts { get; init; } = Pool.Protocol.Recovery.RedisMasterStore.DefaultMaxAttempts;
}
