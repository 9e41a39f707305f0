using Pool.Protocol.Admin;
using System.Globalization;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// The scheduler's side of the delayed format: the lease (resque-scheduler's master lock) and
/// the atomic move of due jobs. Stateless; the loop that drives it lives in pool-master.
/// </summary>
internal sealed class SchedulerStore(IDatabase db, SchedulerKeys keys, string lockKey, string lockValue)
{
    public SchedulerKeys Keys { get; } = keys;
    public string LockKey { get; } = lockKey;
    /// <summary>"host:pid", the value format of Ruby's lock.</summary>
    public string LockValue { get; } = lockValue;

    /// <summary>How many jobs one move call takes at most: big enough for 100,000 jobs a second, short enough not to stall Redis.</summary>
    public const int MoveBatch = 1000;

    /// <summary>Takes or renews the lease and reads the earliest scheduled second, in one command.</summary>
    public async Task<SchedulerTick> TickAsync(TimeSpan ttl)
    {
        var r = (RedisResult[])(await ScriptRunner.RunAsync(db, SchedulingScripts.Tick,
            [Keys.Namespace, LockKey, LockValue, Math.Max(1, (long)Math.Ceiling(ttl.TotalSeconds))]).ConfigureAwait(false))!;
        var earliest = (string?)r[2];
        return new SchedulerTick((long)r[0] == 1, (string?)r[1] ?? "",
            string.IsNullOrEmpty(earliest) ? null : (long)double.Parse(earliest, CultureInfo.InvariantCulture),
            (string?)r[3] is { Length: > 0 } kind ? kind : null);
    }

    /// <summary>Moves due jobs (at most <paramref name="max"/>) while the lease is ours.</summary>
    public async Task<MoveResult> MoveDueAsync(DateTimeOffset now, int max = MoveBatch)
    {
        var r = (RedisResult[])(await ScriptRunner.RunAsync(db, SchedulingScripts.Move,
        [
            Keys.Namespace, LockKey, LockValue, now.ToUnixTimeSeconds(), max, PoolScripts.WakeBound,
            ResqueTime.Iso(now), ResqueTime.Failed(now),
        ]).ConfigureAwait(false))!;
        return new MoveResult((long)r[0], (long)r[1], (long)r[2] == 1);
    }

    /// <summary>Releases the lease if it is still ours (a clean stop), so another master takes over at once.</summary>
    public async Task<bool> ReleaseAsync() =>
        (long)await ScriptRunner.RunAsync(db, SchedulingScripts.Release, [Keys.Namespace, LockKey, LockValue]).ConfigureAwait(false) == 1;

    /// <summary>Due backlog: jobs whose second has come, and the oldest such second (for lag).</summary>
    public async Task<(long Jobs, long? Oldest)> DueBacklogAsync(DateTimeOffset now)
    {
        var seconds = await db.SortedSetRangeByScoreAsync(Keys.Schedule, double.NegativeInfinity, now.ToUnixTimeSeconds(), take: 1000).OrEmptyAsync().ConfigureAwait(false);
        if (seconds.Length == 0) return (0, null);
        var lengths = await Task.WhenAll(seconds.Select(s => db.ListLengthOrZeroAsync(Keys.Bucket(s)))).ConfigureAwait(false);
        return (lengths.Sum(), long.Parse((string)seconds[0]!, CultureInfo.InvariantCulture));
    }
}

/// <param name="Leader">Whether this scheduler holds the lease now.</param>
/// <param name="Holder">Who holds it ("host:pid"), or "" when nobody does.</param>
/// <param name="Earliest">The earliest scheduled second, or null when nothing is scheduled.</param>
/// <param name="BrokenScheduleType">The delayed schedule key's type when another app left it as no sorted set (delayed jobs wait), else null.</param>
internal sealed record SchedulerTick(bool Leader, string Holder, long? Earliest, string? BrokenScheduleType = null);

/// <param name="Moved">Jobs moved to their queues; -1 when the lease was not ours.</param>
/// <param name="Failed">Unreadable entries moved to the failed list.</param>
/// <param name="More">Due jobs remain (the batch was full).</param>
internal sealed record MoveResult(long Moved, long Failed, bool More);
