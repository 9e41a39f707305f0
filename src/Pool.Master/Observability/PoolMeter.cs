using System.Diagnostics.Metrics;
using System.Globalization;

namespace Pool.Master.Observability;

/// <summary>
/// The master's metrics as <see cref="System.Diagnostics.Metrics"/> instruments on the meter
/// named <see cref="Name"/>. All are observable: nothing is counted twice, each collection reads
/// <see cref="MetricsSource"/>. /metrics exports them in Prometheus text; any MeterListener can
/// collect them too (an OpenTelemetry agent that ships OTLP, dotnet-counters).
/// Names follow OpenTelemetry's conventions; the Prometheus exporter turns them into Pool's
/// Prometheus names (dots to underscores, `_total` on counters, `_bytes` for unit By), so
/// `pool.jobs.processed` is scraped as `pool_jobs_processed_total`.
/// </summary>
internal sealed class PoolMeter : IDisposable
{
    public const string Name = "Pool.Master";

    private readonly Meter _meter = new(Name, typeof(PoolMeter).Assembly.GetName().Version?.ToString(3));

    public PoolMeter(MetricsSource source)
    {
        // The namespace's totals from Redis: they cover every host that shares it.
        Counter("pool.jobs.processed", "Jobs processed (done or failed) in this Redis namespace, all hosts (Resque's stat:processed).", () => source.Totals?.Processed);
        Counter("pool.jobs.failed", "Jobs failed in this Redis namespace, all hosts (Resque's stat:failed).", () => source.Totals?.Failed);
        Counter("pool.jobs.requeued", "Jobs Pool workers put back unfinished on TERM, INT or USR1, all hosts (pool:stat:requeued).", () => source.Totals?.Requeued);
        Counter("pool.jobs.recovered", "Jobs of dead workers put back on their queue in this Redis namespace, all hosts, whether a master recovered them at once or a lease sweep did (pool:stat:recovered).", () => source.Totals?.Recovered);
        Counter("pool.jobs.poisoned", "Jobs failed as poison in this Redis namespace, all hosts (pool:stat:poisoned).", () => source.Totals?.Poisoned);
        _meter.CreateObservableGauge("pool.failed_jobs", () => source.Totals?.FailedListLength ?? 0, "{job}", "Entries in Resque's failed list.");
        _meter.CreateObservableGauge("pool.queue.length", () => QueueLengths(source), "{job}", "Jobs waiting in a queue.");
        _meter.CreateObservableGauge("pool.redis.up", () => source.RedisUp ? 1 : 0, null, "1 when this scrape could read Redis, else 0 (the job totals are then stale).");

        // This master's own.
        Counter("pool.master.jobs.recovered", "Jobs of this master's dead workers put back on their queue.", () => source.Counters.Recovered);
        Counter("pool.master.jobs.poisoned", "Jobs this master sent to the failed list as poison (their worker died POOL_MAX_ATTEMPTS times).", () => source.Counters.Poisoned);
        Counter("pool.master.jobs.dirty_exit", "Jobs of dead foreign (Resque-registered) workers this master recorded in the failed list as Resque::DirtyExit.", () => source.Counters.DirtyExits);
        _meter.CreateObservableCounter("pool.master.worker.restarts", () => source.Snapshot.Restarts, "{restart}", "Workers this master started again in a slot after the previous one exited.");
        _meter.CreateObservableGauge("pool.master.workers", () => WorkersByState(source.Snapshot), "{worker}", "This master's worker slots by group and state (running, stopping, killed, backoff, memory, starting, standby).");
        _meter.CreateObservableGauge("pool.master.slots.crash_looping", () => source.Snapshot.Workers.Count(w => w.CrashLooping), "{slot}", "Slots whose restart backoff is engaged because their workers keep dying soon after start.");
        _meter.CreateObservableGauge("pool.master.worker.rss", () => WorkerRss(source.Snapshot), "By", "Resident memory of each worker.");
        _meter.CreateObservableGauge("pool.master.rss", () => ProcessMemory.RssBytes(Environment.ProcessId) ?? 0, "By", "Resident memory of the master itself.");
        CapacityMetrics.Register(_meter, source);
    }

    /// <summary>A job count that only grows; 0 until Redis first answers, as a fresh namespace reads.</summary>
    private void Counter(string name, string description, Func<long?> read) =>
        _meter.CreateObservableCounter(name, () => read() ?? 0, "{job}", description);

    // The series below exist only while their queue, state or worker does: a deleted queue or a retired slot drops out.
    private static IEnumerable<Measurement<long>> QueueLengths(MetricsSource source) =>
        (source.Totals?.Queues ?? []).Select(q => new Measurement<long>(q.Length, new KeyValuePair<string, object?>("queue", q.Name)));

    private static IEnumerable<Measurement<int>> WorkersByState(MasterSnapshot snapshot) =>
        snapshot.Workers.GroupBy(w => (w.Group, w.State)).Select(g => new Measurement<int>(g.Count(),
            new KeyValuePair<string, object?>("group", g.Key.Group), new KeyValuePair<string, object?>("state", g.Key.State)));

    private static IEnumerable<Measurement<long>> WorkerRss(MasterSnapshot snapshot) =>
        snapshot.Workers
            .Select(w => (w.Group, w.Slot, Rss: w.Pid is { } pid ? ProcessMemory.RssBytes(pid) : null))
            .Where(x => x.Rss is not null)
            .GroupBy(x => (x.Group, x.Slot))
            .Select(g => new Measurement<long>(g.Sum(x => x.Rss!.Value),
                new KeyValuePair<string, object?>("group", g.Key.Group),
                // A standby (`standby: N`) has no slot yet (-1).
                new KeyValuePair<string, object?>("slot", g.Key.Slot < 0 ? "standby" : g.Key.Slot.ToString(CultureInfo.InvariantCulture))));

    public void Dispose() => _meter.Dispose();
}
