using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Every registered worker, Pool's and foreign ones, for the dashboard: the registries are read
/// whole (ids only), the details (current job, lease, Resque heartbeat, start time) only for the
/// page shown, in one pipelined batch.
/// </summary>
public sealed class WorkerRoster(IDatabaseAsync db, ResqueKeys keys, TimeProvider? time = null)
{
    /// <summary>A foreign worker whose Resque heartbeat is older than this is marked stale (Resque prunes at 5 minutes too).</summary>
    public static readonly TimeSpan StaleHeartbeat = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>All worker ids, sorted, with whether each is one of Pool's.</summary>
    public async Task<IReadOnlyList<(string Id, bool Pool)>> IdsAsync()
    {
        var resque = db.SetMembersAsync(keys.Workers);
        var pool = db.SetMembersAsync(keys.PoolWorkers);
        await Task.WhenAll(resque, pool).ConfigureAwait(false);
        var poolIds = pool.Result.Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        return resque.Result.Select(v => (string)v!).Concat(poolIds).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).Select(id => (id, poolIds.Contains(id))).ToList();
    }

    /// <summary>Details for the given workers.</summary>
    public async Task<IReadOnlyList<WorkerRow>> DetailsAsync(IReadOnlyList<(string Id, bool Pool)> ids)
    {
        var now = _time.GetUtcNow();
        var jobs = ids.Select(w => db.StringGetOrNullAsync(keys.Worker(w.Id))).ToList();
        var leases = ids.Select(w => db.KeyExistsAsync(keys.Lease(w.Id))).ToList();
        var started = ids.Select(w => db.StringGetOrNullAsync(keys.WorkerStarted(w.Id))).ToList();
        var beats = db.HashGetAsync(keys.Heartbeats, ids.Select(w => (RedisValue)w.Id).ToArray());
        await Task.WhenAll([.. jobs, .. leases, .. started, beats]).ConfigureAwait(false);
        return ids.Select((w, i) =>
        {
            var (host, pid, queues) = WorkerIdentity.Parse(w.Id);
            var isPool = w.Pool || leases[i].Result;
            var beat = beats.Result[i].IsNull ? null : (string?)beats.Result[i];
            DateTimeOffset? beatAt = DateTimeOffset.TryParse(beat, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AssumeUniversal, out var b) ? b : null;
            // A Pool worker is stale when its lease lapsed (a sweep will recover it); a foreign one when its heartbeat is old.
            var stale = isPool ? !leases[i].Result : beatAt is { } at && now - at > StaleHeartbeat;
            return new WorkerRow(w.Id, host, pid, queues, isPool, stale, PoolStatusReader.ParseJob(jobs[i].Result, now),
                started[i].Result.IsNull ? null : (string?)started[i].Result, beatAt);
        }).ToList();
    }

    /// <summary>How many workers run a job now (one pipelined EXISTS per worker; no payload is read).</summary>
    public async Task<int> BusyCountAsync(IReadOnlyList<(string Id, bool Pool)> ids)
    {
        var busy = ids.Select(w => db.KeyExistsAsync(keys.Worker(w.Id))).ToList();
        await Task.WhenAll(busy).ConfigureAwait(false);
        return busy.Count(b => b.Result);
    }
}

/// <param name="Stale">A Pool worker whose lease expired, or a foreign worker whose Resque heartbeat is over 5 minutes old.</param>
public sealed record WorkerRow(string Id, string Host, int? Pid, string Queues, bool Pool, bool Stale, CurrentJob? Job, string? Started, DateTimeOffset? Heartbeat);
