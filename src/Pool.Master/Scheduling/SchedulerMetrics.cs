using System.Diagnostics.Metrics;

namespace Pool.Master.Scheduling;

/// <summary>
/// The scheduler's state as System.Diagnostics.Metrics instruments on the "Pool.Scheduler" meter
/// (observed at each scrape from <see cref="SchedulerHost.Current"/>), for whichever exporter the
/// master serves /metrics with.
/// </summary>
internal static class SchedulerMetrics
{
    private static readonly Meter Meter = new("Pool.Scheduler");

    static SchedulerMetrics()
    {
        Meter.CreateObservableGauge("pool_scheduler_leader", () => SchedulerHost.Current?.State.Leader == true ? 1 : 0,
            description: "1 when this master holds the scheduler lease (resque-scheduler's master lock), else 0.");
        Meter.CreateObservableGauge("pool_scheduler_due_jobs", () => SchedulerHost.Current?.State.DueJobs ?? 0,
            description: "Delayed jobs whose time has come and that are not in their queue yet.");
        Meter.CreateObservableGauge("pool_scheduler_lag_seconds", () => SchedulerHost.Current?.State.Lag.TotalSeconds ?? 0,
            unit: "s", description: "How late the oldest due delayed job is.");
        Meter.CreateObservableCounter("pool_scheduler_moved_jobs_total", () => SchedulerHost.Current?.State.Moved ?? 0,
            description: "Delayed jobs this master moved to their queues.");
    }

    /// <summary>Creates the instruments (once); called when the scheduler starts.</summary>
    public static void Register() => _ = Meter;
}
