using System.Diagnostics.Metrics;

namespace Pool.Master.Scheduling;

/// <summary>
/// The scheduler's state as System.Diagnostics.Metrics instruments on the meter named
/// <see cref="Name"/> (observed at each scrape from <see cref="SchedulerHost.Current"/>), which
/// /metrics exports beside the master's own. OpenTelemetry names, as in PoolMeter: the Prometheus
/// exporter scrapes `pool.scheduler.lag` (unit s) as `pool_scheduler_lag_seconds` and the
/// counters with `_total`.
/// </summary>
internal static class SchedulerMetrics
{
    public const string Name = "Pool.Scheduler";

    private static readonly Meter Meter = new(Name);

    static SchedulerMetrics()
    {
        Meter.CreateObservableGauge("pool.scheduler.leader", () => SchedulerHost.Current?.State.Leader == true ? 1 : 0, null,
            "1 when this master holds the scheduler lease (resque-scheduler's master lock), else 0.");
        Meter.CreateObservableGauge("pool.scheduler.due_jobs", () => SchedulerHost.Current?.State.DueJobs ?? 0, "{job}",
            "Delayed jobs whose time has come and that are not in their queue yet (0 while this master leads and keeps up).");
        Meter.CreateObservableGauge("pool.scheduler.lag", () => SchedulerHost.Current?.State.Lag.TotalSeconds ?? 0, "s",
            "How late the oldest due delayed job is (0 when none is due).");
        Meter.CreateObservableCounter("pool.scheduler.moved", () => SchedulerHost.Current?.State.Moved ?? 0, "{job}",
            "Delayed jobs (and retries) this master moved to their queues.");
        Meter.CreateObservableCounter("pool.scheduler.fired", () => SchedulerHost.Current?.Fired ?? 0, "{run}",
            "Occurrences of pool.yml's recurring schedule entries this master enqueued.");
    }

    /// <summary>Creates the instruments (once); called when the scheduler starts.</summary>
    public static void Register() => _ = Meter;
}
