using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Capacity;

/// <summary>The queues and workers of one autoscaled group, as the loop hands them to a sample.</summary>
/// <param name="Workers">Each worker process's ids, one per lane (`concurrency: N`); a process is busy when any of its lanes runs a job.</param>
internal sealed record GroupProbe(string QueueList, IReadOnlyList<string> Queues, IReadOnlyList<IReadOnlyList<string>> Workers);

/// <summary>
/// Reads what the autoscaler needs from Redis, in pipelined batches and read-only: per queue its
/// length, head and tail, and whether the estimators' marks are still in it (LPOS, Redis 6.0.6+);
/// per worker process whether one of its lanes runs a job. A paused queue (pause-all, or `pool-master pause`) counts
/// as empty: its jobs wait on purpose and more workers would not take them.
/// Owns the <see cref="QueueAgeEstimator"/>s, so it must not run twice at once (the caller's flag).
/// </summary>
internal sealed class QueueProbe(IDatabaseAsync db, ResqueKeys keys, TimeProvider time)
{
    private readonly Dictionary<string, QueueAgeEstimator> _estimators = new(StringComparer.Ordinal);

    /// <returns>Per group (by queue list) its load, and the ids of the busy workers (lanes).</returns>
    public async Task<(IReadOnlyDictionary<string, GroupLoad> Loads, IReadOnlySet<string> Busy)> SampleAsync(IReadOnlyList<GroupProbe> groups)
    {
        var pauseAll = db.StringGetAsync(keys.PauseAll);
        var paused = db.SetMembersAsync(keys.PausedQueues);
        var known = groups.Any(g => g.Queues.Any(QueuePattern.IsDynamic)) ? db.SetMembersAsync(keys.Queues) : Task.FromResult(Array.Empty<RedisValue>());
        await Task.WhenAll(pauseAll, paused, known).ConfigureAwait(false);

        var pausedSet = paused.Result.Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        var all = known.Result.Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
        var queues = groups.SelectMany(g => Expand(g.Queues, all)).Distinct(StringComparer.Ordinal).ToList();
        var ages = pauseAll.Result == "true" ? [] : await AgesAsync(queues.Where(q => !pausedSet.Contains(q)).ToList()).ConfigureAwait(false);
        var busy = await BusyAsync(groups.SelectMany(g => g.Workers).SelectMany(lanes => lanes).ToList()).ConfigureAwait(false);

        var loads = new Dictionary<string, GroupLoad>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            var seen = Expand(group.Queues, all).Where(ages.ContainsKey).Select(q => ages[q]).ToList();
            // Judoscale's rule: with several queues, the group is as late as its latest queue.
            var dated = seen.Where(s => s.Age is not null).Select(s => s.Age!.Value).ToList();
            loads[group.QueueList] = new GroupLoad(seen.Sum(s => s.Length), dated.Count > 0 ? dated.Max() : null, group.Workers.Count(lanes => lanes.Any(busy.Contains)));
        }
        // Forget queues no group reads any more (a HUP, a deleted queue).
        foreach (var gone in _estimators.Keys.Where(q => !queues.Contains(q)).ToList()) _estimators.Remove(gone);
        return (loads, busy);
    }

    private static IEnumerable<string> Expand(IReadOnlyList<string> queues, IReadOnlyList<string> all) => QueuePattern.Expand(queues, all);

    private async Task<Dictionary<string, (long Length, TimeSpan? Age)>> AgesAsync(IReadOnlyList<string> queues)
    {
        var reads = queues.Select(q =>
        {
            var estimator = _estimators.TryGetValue(q, out var e) ? e : _estimators[q] = new QueueAgeEstimator();
            var key = keys.Queue(q);
            var marks = estimator.Marks;
            return (Queue: q, Estimator: estimator,
                Length: db.ListLengthOrZeroAsync(key), Head: db.ListGetByIndexOrNullAsync(key, 0), Tail: db.ListGetByIndexOrNullAsync(key, -1),
                Marks: marks.Select(m => db.ListPositionOrMissingAsync(key, m, rank: 1, maxLength: QueueAgeEstimator.SearchDepth)).ToList());
        }).ToList();
        await Task.WhenAll(reads.SelectMany(r => new Task[] { r.Length, r.Head, r.Tail }.Concat(r.Marks))).ConfigureAwait(false);

        var now = time.GetUtcNow();
        var ages = new Dictionary<string, (long, TimeSpan?)>(StringComparer.Ordinal);
        foreach (var r in reads)
        {
            var present = r.Marks.Select(m => m.Result >= 0).ToList();
            ages[r.Queue] = (r.Length.Result, r.Estimator.Observe(now, r.Length.Result, r.Head.Result, r.Tail.Result, present));
        }
        return ages;
    }

    /// <summary>Busy: the worker holds a Pool reservation, or has Resque's "working on" record (a foreign worker).</summary>
    private async Task<HashSet<string>> BusyAsync(IReadOnlyList<string> ids)
    {
        var checks = ids.Select(id => (Id: id, Pool: db.KeyExistsAsync(keys.InFlight(id)), Resque: db.KeyExistsAsync(keys.Worker(id)))).ToList();
        await Task.WhenAll(checks.SelectMany(c => new[] { c.Pool, c.Resque })).ConfigureAwait(false);
        return checks.Where(c => c.Pool.Result || c.Resque.Result).Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
    }
}
