namespace Pool.Master.Config;

/// <summary>
/// How a group with `count: MIN..MAX` is sized (by Capacity.Autoscaler). Targets: <see cref="TargetLatency"/> (the age of
/// the oldest waiting job) and <see cref="TargetJobsPerWorker"/> (jobs waiting per worker, KEDA's
/// listLength); with both, the group grows when either asks and shrinks only when both agree.
/// With neither, jobs per worker is <see cref="DefaultJobsPerWorker"/>, KEDA's default.
/// </summary>
public sealed record ScalingRule(int Min, int Max, TimeSpan? TargetLatency = null, int? TargetJobsPerWorker = null, TimeSpan? QuietPeriod = null)
{
    public const int DefaultJobsPerWorker = 5;

    /// <summary>Celery's autoscale keepalive: long enough that a lull between two bursts does not shrink the group.</summary>
    public static readonly TimeSpan DefaultQuietPeriod = TimeSpan.FromSeconds(30);

    /// <summary>
    /// After a step up on latency, no second one until the first had time to help: about twice
    /// what a new worker takes to be ready (250 to 500 ms), plus a sample. Jobs per worker needs
    /// no such pause: it asks for an absolute size, not for "more".
    /// </summary>
    public static readonly TimeSpan LatencyStepPause = TimeSpan.FromSeconds(2);

    public TimeSpan Quiet => QuietPeriod ?? DefaultQuietPeriod;

    /// <summary>The jobs-per-worker target in force: the configured one, or the default when no target was given.</summary>
    public int? JobsPerWorker => TargetJobsPerWorker ?? (TargetLatency is null ? DefaultJobsPerWorker : null);

    public string Describe()
    {
        var targets = new List<string>();
        if (TargetLatency is { } l) targets.Add($"oldest job waits at most {l.TotalSeconds:0.###} s");
        if (JobsPerWorker is { } j) targets.Add($"{j} waiting job(s) per worker" + (TargetJobsPerWorker is null ? " (default)" : ""));
        return $"{Min}..{Max}, target {string.Join(" and ", targets)}, down one worker per {Quiet.TotalSeconds:0.###} s quiet";
    }
}
