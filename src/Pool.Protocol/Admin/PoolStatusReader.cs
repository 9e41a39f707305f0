using System.Globalization;
using System.Text.Json;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Reads <see cref="PoolStatus"/> from Redis. Reads only, in pipelined batches, so it is safe to
/// run at any time against a live pool; the picture is not one atomic snapshot (a job may start
/// between two reads), which is fine for a status display.
/// </summary>
public sealed class PoolStatusReader(IDatabaseAsync db, ResqueKeys keys, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Everything, workers included.</summary>
    public async Task<PoolStatus> ReadAsync()
    {
        var totals = ReadTotalsAsync();
        var resqueWorkers = db.SetMembersAsync(keys.Workers);
        var poolWorkers = db.SetMembersAsync(keys.PoolWorkers);
        await Task.WhenAll(totals, resqueWorkers, poolWorkers).ConfigureAwait(false);
        var workers = await ReadWorkersAsync(resqueWorkers.Result, poolWorkers.Result, totals.Result.At).ConfigureAwait(false);
        return totals.Result with { Workers = workers };
    }

    /// <summary>Queues, pause state and totals without the worker registry: cheap enough for every metrics scrape.</summary>
    public async Task<PoolStatus> ReadTotalsAsync()
    {
        var names = db.SetMembersAsync(keys.Queues);
        var counters = ReadCountersAsync();
        await Task.WhenAll(names, counters).ConfigureAwait(false);
        var queueNames = SortedStrings(names.Result);
        var paused = counters.Result.Pause.Queues;
        var lengths = queueNames.Select(q => db.ListLengthOrZeroAsync(keys.Queue(q))).ToList();
        await Task.WhenAll(lengths).ConfigureAwait(false);
        return counters.Result with { Queues = queueNames.Select((q, i) => new QueueStatus(q, lengths[i].Result, paused.Contains(q))).ToList() };
    }

    /// <summary>The totals and pause state alone (a few GETs, whatever the number of queues); Queues is empty.</summary>
    internal async Task<PoolStatus> ReadCountersAsync()
    {
        var now = _time.GetUtcNow();
        var pausedQueues = db.SetMembersAsync(keys.PausedQueues);
        var pauseAll = db.StringGetOrNullAsync(keys.PauseAll);
        var processed = db.StringGetOrNullAsync(keys.StatProcessed);
        var failed = db.StringGetOrNullAsync(keys.StatFailed);
        var failedLength = db.ListLengthOrZeroAsync(keys.Failed);
        var requeued = db.StringGetOrNullAsync(keys.StatRequeued);
        var recovered = db.StringGetOrNullAsync(keys.StatRecovered);
        var poisoned = db.StringGetOrNullAsync(keys.StatPoisoned);
        await Task.WhenAll(pausedQueues, pauseAll, processed, failed, failedLength, requeued, recovered, poisoned).ConfigureAwait(false);
        return new PoolStatus([], [], new PauseState(pauseAll.Result == "true", SortedStrings(pausedQueues.Result)),
            ToLong(processed.Result), ToLong(failed.Result), failedLength.Result, now)
        {
            Requeued = ToLong(requeued.Result),
            Recovered = ToLong(recovered.Result),
            Poisoned = ToLong(poisoned.Result),
        };
    }

    private async Task<IReadOnlyList<WorkerStatus>> ReadWorkersAsync(RedisValue[] resque, RedisValue[] pool, DateTimeOffset now)
    {
        var poolIds = pool.Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        var ids = SortedStrings(resque.Concat(pool).Distinct().ToArray());
        var jobs = ids.Select(id => db.StringGetOrNullAsync(keys.Worker(id))).ToList();
        var leases = ids.Select(id => db.KeyExistsAsync(keys.Lease(id))).ToList();
        await Task.WhenAll([.. jobs, .. leases]).ConfigureAwait(false);

        return ids.Select((id, i) =>
        {
            var (host, pid, queues) = WorkerIdentity.Parse(id);
            var isPool = poolIds.Contains(id) || leases[i].Result;
            return new WorkerStatus(id, host, pid, queues, isPool, leases[i].Result, ParseJob(jobs[i].Result, now));
        }).ToList();
    }

    internal static CurrentJob? ParseJob(RedisValue raw, DateTimeOffset now)
    {
        if (raw.IsNullOrEmpty) return null;
        try
        {
            using var doc = JsonDocument.Parse((string)raw!);
            var root = doc.RootElement;
            var queue = root.TryGetProperty("queue", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : "";
            var runAt = root.TryGetProperty("run_at", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
            string? cls = null, args = null;
            if (root.TryGetProperty("payload", out var p) && p.ValueKind == JsonValueKind.Object)
            {
                if (p.TryGetProperty("class", out var c) && c.ValueKind == JsonValueKind.String) cls = c.GetString();
                if (p.TryGetProperty("args", out var a)) args = a.GetRawText();
            }
            TimeSpan? runFor = DateTimeOffset.TryParse(runAt, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var started)
                ? now - started : null;
            return new CurrentJob(queue, cls, args, runAt, runFor);
        }
        catch (JsonException)
        {
            // A foreign worker wrote something we cannot read; show that it is busy, not what with.
            return new CurrentJob("", null, null, null, null);
        }
    }

    private static long ToLong(RedisValue v) => v.TryParse(out long n) ? n : 0;

    private static List<string> SortedStrings(RedisValue[] values) =>
        values.Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
}
