using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// Delayed jobs in resque-scheduler's format: schedule, cancel and list. A job scheduled here
/// can be found and cancelled by Ruby's remove_delayed, and one Ruby's enqueue_at scheduled is
/// listed, cancelled and (by the scheduler in pool-master) run here.
/// </summary>
public sealed class DelayedQueue(IDatabase db, SchedulerKeys keys, TimeProvider? time)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public DelayedQueue(IDatabase db, SchedulerKeys keys) : this(db, keys, null) { }
    private readonly Producer _now = new(db.Multiplexer, keys.Namespace);

    public DelayedQueue(IConnectionMultiplexer redis, string? ns) : this(redis.GetDatabase(), new SchedulerKeys(ns)) { }

    public SchedulerKeys Keys { get; } = keys;

    /// <summary>
    /// Schedules {"class":jobClass,"args":[...]} for <paramref name="queue"/> at <paramref name="at"/>,
    /// truncated to the second like Ruby. A time already past is enqueued at once, as Ruby's
    /// enqueue_at does. Returns the stored job (its <see cref="DelayedJob.Encoded"/> text cancels it).
    /// </summary>
    public async Task<DelayedJob> EnqueueAtAsync(DateTimeOffset at, string queue, string jobClass, params object?[] args)
    {
        var second = at.ToUnixTimeSeconds();
        var job = DelayedJobCodec.Create(second, queue, jobClass, args);
        if (second < _time.GetUtcNow().ToUnixTimeSeconds())
        {
            await _now.EnqueueRawAsync(queue, QueuedPayload(job)).ConfigureAwait(false);
            return job;
        }
        await ScriptRunner.RunAsync(db, SchedulingScripts.Push, [Keys.Namespace, second, job.Encoded]).ConfigureAwait(false);
        return job;
    }

    public Task<DelayedJob> EnqueueInAsync(TimeSpan delay, string queue, string jobClass, params object?[] args) =>
        EnqueueAtAsync(_time.GetUtcNow() + delay, queue, jobClass, args);

    public Task<DelayedJob> EnqueueAtAsync<TJob>(DateTimeOffset at, string queue, params object?[] args) =>
        EnqueueAtAsync(at, queue, JobNames.Of(typeof(TJob)), args);

    public Task<DelayedJob> EnqueueInAsync<TJob>(TimeSpan delay, string queue, params object?[] args) =>
        EnqueueInAsync(delay, queue, JobNames.Of(typeof(TJob)), args);

    /// <summary>Cancels every scheduled copy of this exact job (Ruby's remove_delayed). Returns how many were removed.</summary>
    public Task<long> RemoveDelayedAsync(string queue, string jobClass, params object?[] args) =>
        RemoveEncodedAsync(DelayedJobCodec.Encode(queue, jobClass, args), at: null);

    /// <summary>Cancels the copies of a stored job, in one second or (null) in all (the text from <see cref="ListAsync"/>).</summary>
    public async Task<long> RemoveEncodedAsync(string encoded, long? at)
    {
        var r = await ScriptRunner.RunAsync(db, SchedulingScripts.Remove, [Keys.Namespace, encoded, at?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? ""]).ConfigureAwait(false);
        return (long)r;
    }

    /// <summary>The seconds at which this exact job is scheduled (Ruby's scheduled_at).</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> ScheduledAtAsync(string queue, string jobClass, params object?[] args)
    {
        var members = await db.SetMembersAsync(Keys.Timestamps(DelayedJobCodec.Encode(queue, jobClass, args))).ConfigureAwait(false);
        return members.Select(m => long.TryParse(((string)m!)["delayed:".Length..], out var s) ? DateTimeOffset.FromUnixTimeSeconds(s) : (DateTimeOffset?)null)
            .OfType<DateTimeOffset>().Order().ToList();
    }

    /// <summary>How many jobs are scheduled (every bucket's length) and how many seconds hold them.</summary>
    public async Task<(long Jobs, long Seconds)> CountAsync()
    {
        var seconds = await db.SortedSetRangeByRankAsync(Keys.Schedule).ConfigureAwait(false);
        var lengths = await Task.WhenAll(seconds.Select(s => db.ListLengthAsync(Keys.Bucket(s)))).ConfigureAwait(false);
        return (lengths.Sum(), seconds.Length);
    }

    /// <summary>
    /// The scheduled jobs, earliest first, at most <paramref name="limit"/>. A stored entry that
    /// is not a readable job is listed with its raw text and the reason, never skipped.
    /// </summary>
    public async Task<IReadOnlyList<DelayedEntry>> ListAsync(int limit = 100, DateTimeOffset? until = null)
    {
        var list = new List<DelayedEntry>();
        var stop = until is { } u ? u.ToUnixTimeSeconds() : double.PositiveInfinity;
        long skip = 0;
        while (list.Count < limit)
        {
            var seconds = await db.SortedSetRangeByScoreAsync(Keys.Schedule, double.NegativeInfinity, stop, skip: skip, take: 100).ConfigureAwait(false);
            if (seconds.Length == 0) break;
            skip += seconds.Length;
            var buckets = await Task.WhenAll(seconds.Select(s => db.ListRangeAsync(Keys.Bucket(s), 0, limit - 1))).ConfigureAwait(false);
            for (var i = 0; i < seconds.Length && list.Count < limit; i++)
            {
                if (!long.TryParse((string?)seconds[i], out var at)) continue;
                foreach (var raw in buckets[i])
                {
                    if (list.Count >= limit) break;
                    var text = (string)raw!;
                    list.Add(DelayedJobCodec.TryDecode(at, text, out var job, out var error)
                        ? new DelayedEntry(at, text, job, null)
                        : new DelayedEntry(at, text, null, error));
                }
            }
        }
        return list;
    }

    /// <summary>What the job's queue receives: Resque's {"class":..,"args":..}.</summary>
    internal static string QueuedPayload(DelayedJob job) => "{\"class\":" + RubyJson.Serialize(job.Class) + ",\"args\":" + job.ArgsJson + "}";
}

/// <summary>One stored delayed entry: the job when it reads as one, else the raw text and why not.</summary>
public sealed record DelayedEntry(long At, string Raw, DelayedJob? Job, string? Error);
