using Pool.Protocol.Admin;
using Prometheus;

namespace Pool.Master.Observability;

/// <summary>
/// /metrics in Prometheus text format, written by prometheus-net from its own registry (not
/// the library's default one, which would start .NET event listeners in an idle master).
/// Values are set just before each export: the job totals from Redis (they cover every host
/// sharing the namespace), the rest from this master's snapshot and counters.
/// </summary>
internal sealed class MetricsExporter
{
    private readonly CollectorRegistry _registry = Metrics.NewCustomRegistry();
    private readonly Counter _processed, _failed, _requeued, _recoveredAll, _poisonedAll, _recovered, _poisoned, _dirtyExits, _restarts;
    private readonly Gauge _failedList, _queueLength, _workers, _backoff, _workerRss, _masterRss, _redisUp;
    private readonly HashSet<string> _queuesSeen = [];
    private readonly HashSet<(string, string)> _rssSeen = [];
    private readonly HashSet<(string, string)> _workersSeen = [];
    private readonly CapacityMetrics _capacity;

    public MetricsExporter()
    {
        var f = Metrics.WithCustomRegistry(_registry);
        _processed = f.CreateCounter("pool_jobs_processed_total", "Jobs processed (done or failed) in this Redis namespace, all hosts (Resque's stat:processed).");
        _failed = f.CreateCounter("pool_jobs_failed_total", "Jobs failed in this Redis namespace, all hosts (Resque's stat:failed).");
        _requeued = f.CreateCounter("pool_jobs_requeued_total", "Jobs Pool workers put back unfinished on TERM, INT or USR1, all hosts (pool:stat:requeued).");
        _recoveredAll = f.CreateCounter("pool_jobs_recovered_total", "Jobs of dead workers put back on their queue in this Redis namespace, all hosts, whether a master recovered them at once or a lease sweep did (pool:stat:recovered).");
        _poisonedAll = f.CreateCounter("pool_jobs_poisoned_total", "Jobs failed as poison in this Redis namespace, all hosts (pool:stat:poisoned).");
        _recovered = f.CreateCounter("pool_master_jobs_recovered_total", "Jobs of this master's dead workers put back on their queue.");
        _poisoned = f.CreateCounter("pool_master_jobs_poisoned_total", "Jobs this master sent to the failed list as poison (their worker died POOL_MAX_ATTEMPTS times).");
        _dirtyExits = f.CreateCounter("pool_master_jobs_dirty_exit_total", "Jobs of dead foreign (Resque-registered) workers this master recorded in the failed list as Resque::DirtyExit.");
        _restarts = f.CreateCounter("pool_master_worker_restarts_total", "Workers this master started again in a slot after the previous one exited.");
        _failedList = f.CreateGauge("pool_failed_jobs", "Entries in Resque's failed list.");
        _queueLength = f.CreateGauge("pool_queue_length", "Jobs waiting in a queue.", ["queue"]);
        _workers = f.CreateGauge("pool_master_workers", "This master's worker slots by group and state (running, stopping, killed, backoff, starting).", ["group", "state"]);
        _backoff = f.CreateGauge("pool_master_slots_crash_looping", "Slots whose restart backoff is engaged because their workers keep dying soon after start.");
        _workerRss = f.CreateGauge("pool_master_worker_rss_bytes", "Resident memory of each worker.", ["group", "slot"]);
        _masterRss = f.CreateGauge("pool_master_rss_bytes", "Resident memory of the master itself.");
        _capacity = new CapacityMetrics(f);
        _redisUp = f.CreateGauge("pool_redis_up", "1 when this scrape could read Redis, else 0 (the job totals are then stale).");
    }

    public async Task WriteAsync(Stream to, MasterSnapshot snapshot, MasterCounters counters, PoolStatus? redis, CancellationToken ct)
    {
        Update(snapshot, counters, redis);
        await _registry.CollectAndExportAsTextAsync(to, ExpositionFormat.PrometheusText, ct).ConfigureAwait(false);
    }

    private void Update(MasterSnapshot snapshot, MasterCounters counters, PoolStatus? redis)
    {
        _redisUp.Set(redis is null ? 0 : 1);
        if (redis is not null)
        {
            // IncTo never goes down: after a FLUSHALL the counter waits until Redis catches up.
            _processed.IncTo(redis.Processed);
            _failed.IncTo(redis.Failed);
            _requeued.IncTo(redis.Requeued);
            _recoveredAll.IncTo(redis.Recovered);
            _poisonedAll.IncTo(redis.Poisoned);
            _failedList.Set(redis.FailedListLength);
            Sync(_queueLength, _queuesSeen, redis.Queues.ToDictionary(q => q.Name, q => (double)q.Length), q => [q]);
        }
        _recovered.IncTo(counters.Recovered);
        _poisoned.IncTo(counters.Poisoned);
        _dirtyExits.IncTo(counters.DirtyExits);
        _restarts.IncTo(snapshot.Restarts);
        _backoff.Set(snapshot.Workers.Count(w => w.CrashLooping));
        Sync(_workers, _workersSeen, snapshot.Workers.GroupBy(w => (w.Group, w.State)).ToDictionary(g => g.Key, g => (double)g.Count()),
            k => [k.Item1, k.Item2]);
        Sync(_workerRss, _rssSeen, snapshot.Workers.Where(w => w.Pid is not null)
            .Select(w => (Key: (w.Group, w.Slot.ToString(System.Globalization.CultureInfo.InvariantCulture)), Rss: ProcessMemory.RssBytes(w.Pid!.Value)))
            .Where(x => x.Rss is not null).GroupBy(x => x.Key).ToDictionary(g => g.Key, g => (double)g.Sum(x => x.Rss!.Value)),
            k => [k.Item1, k.Item2]);
        _masterRss.Set(ProcessMemory.RssBytes(Environment.ProcessId) ?? 0);
        _capacity.Update(snapshot.Capacity);
    }

    /// <summary>Sets the labelled values that exist now and removes the series of ones that went away (a deleted queue, a retired slot).</summary>
    private static void Sync<TKey>(Gauge gauge, HashSet<TKey> seen, Dictionary<TKey, double> now, Func<TKey, string[]> labels) where TKey : notnull
    {
        foreach (var gone in seen.Where(k => !now.ContainsKey(k)).ToList())
        {
            gauge.RemoveLabelled(labels(gone));
            seen.Remove(gone);
        }
        foreach (var (key, value) in now)
        {
            gauge.WithLabels(labels(key)).Set(value);
            seen.Add(key);
        }
    }
}

internal static class ProcessMemory
{
    public static long? RssBytes(int pid) => Processes.ProcStatus.ResidentMb(pid) is { } mb ? (long)(mb * 1024 * 1024) : null;
}
