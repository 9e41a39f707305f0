using Pool.Protocol.Admin;
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
        var seconds = await db.SortedSetRangeByRankAsync(Keys.Schedule).OrEmptyAsync().ConfigureAwait(false);
        var lengths = await Task.WhenAll(seconds.Select(s => db.ListLengthOrZeroAsync(Keys.Bucket(s)))).ConfigureAwait(false);
        return (lengths.Sum(), seconds.Length);
    }

    /// <summary>
    /// The scheduled jobs, earliest first, at most <paramref name="limit"/>. A stored entry that
    /// is not a readable job is listed with its raw text and the reason, never skipped.
    /// </summary>
    public async Task<IReadOnlyList<DelayedEntry>> ListAsync(int limit = 100, DateTimeOffset? until = null) =>
        (await PageAsync(DelayedCursor.Start, limit, until?.ToUnixTimeSeconds()).ConfigureAwait(false)).Slots.Select(s => s.Entry).ToList();

    /// <summary>
    /// At most <paramref name="limit"/> scheduled jobs from <paramref name="from"/> on, earliest
    /// first, and where the next page starts. It reads only what it returns: ZRANGEBYSCORE with a
    /// LIMIT for the seconds, an LRANGE window of each of those buckets (pipelined), so a page
    /// costs the same with ten delayed jobs or ten million.
    /// </summary>
    internal async Task<DelayedPage> PageAsync(DelayedCursor from, int limit, long? until = null)
    {
        const int MaxRounds = 50;
        limit = Math.Clamp(limit, 0, int.MaxValue - 1);
        var slots = new List<DelayedSlot>();
        var stop = until is { } u ? (double)u : double.PositiveInfinity;
        double min = from.At == long.MinValue ? double.NegativeInfinity : from.At;
        var exclude = Exclude.None;
        // Seconds per round: as many as jobs wanted at first (one job a second is the common case), four
        // times more each further round, so a run of empty buckets is crossed in a few rounds.
        var batch = Math.Clamp(limit + 1, 1, 100);
        for (var round = 0; round < MaxRounds && slots.Count <= limit; round++, batch = Math.Min(1000, batch * 4))
        {
            // One more than asked, to know whether a next page exists and where it starts.
            var need = limit + 1 - slots.Count;
            var seconds = await db.SortedSetRangeByScoreAsync(Keys.Schedule, min, stop, exclude, skip: 0, take: batch).OrEmptyAsync().ConfigureAwait(false);
            if (seconds.Length == 0) return new DelayedPage(slots, null);
            var ats = seconds.Select(s => long.TryParse((string?)s, out var at) ? at : (long?)null).ToList();
            var starts = ats.Select(at => at == from.At ? from.Skip : 0).ToList();
            var buckets = await Task.WhenAll(seconds.Select((s, i) => db.ListRangeOrEmptyAsync(Keys.Bucket(s), starts[i], starts[i] + need - 1))).ConfigureAwait(false);
            for (var i = 0; i < seconds.Length && slots.Count <= limit; i++)
            {
                if (ats[i] is not { } at) continue;
                for (var j = 0; j < buckets[i].Length && slots.Count <= limit; j++)
                {
                    var text = (string)buckets[i][j]!;
                    var entry = DelayedJobCodec.TryDecode(at, text, out var job, out var error)
                        ? new DelayedEntry(at, text, job, null)
                        : new DelayedEntry(at, text, null, error);
                    slots.Add(new DelayedSlot(entry, starts[i] + j));
                }
            }
            if (seconds.Length < batch) break;
            min = ats.LastOrDefault(a => a is not null) ?? min;
            exclude = Exclude.Start;
            if (round == MaxRounds - 1 && slots.Count <= limit)
                // Many empty buckets in a row (Ruby leaves them for its loop to clean): stop here, the next page goes on after them.
                return new DelayedPage(slots, new DelayedCursor((long)min + 1, 0));
        }
        if (slots.Count <= limit) return new DelayedPage(slots, null);
        var next = slots[limit];
        slots.RemoveAt(limit);
        return new DelayedPage(slots, new DelayedCursor(next.Entry.At, next.Offset));
    }

    /// <summary>
    /// The entry in second <paramref name="at"/> whose text <paramref name="match"/> accepts,
    /// reading that one bucket in windows (at most <paramref name="maxRead"/> entries); null when
    /// it is not there (run or removed meanwhile).
    /// </summary>
    internal async Task<DelayedEntry?> FindAsync(long at, Func<string, bool> match, int maxRead = 20_000)
    {
        const int Window = 1000;
        for (long start = 0; start < maxRead; start += Window)
        {
            var items = await db.ListRangeOrEmptyAsync(Keys.Bucket(at), start, start + Window - 1).ConfigureAwait(false);
            foreach (var item in items)
            {
                var text = (string)item!;
                if (!match(text)) continue;
                return DelayedJobCodec.TryDecode(at, text, out var job, out var error) ? new DelayedEntry(at, text, job, null) : new DelayedEntry(at, text, null, error);
            }
            if (items.Length < Window) break;
        }
        return null;
    }

    /// <summary>
    /// Moves one copy of <paramref name="job"/> from its second to its queue at once, atomically
    /// (the same step as an operator's "retry now": retry_edit.lua's 'now'). False when it was gone.
    /// </summary>
    internal async Task<bool> RunNowAsync(DelayedJob job) =>
        (long)await ScriptRunner.RunAsync(db, SchedulingScripts.RetryEdit,
            [Keys.Namespace, "now", job.Encoded, job.At, "", job.Queue, QueuedPayload(job), ""]).ConfigureAwait(false) == 1;

    /// <summary>What the job's queue receives: Resque's {"class":..,"args":..}.</summary>
    internal static string QueuedPayload(DelayedJob job) => "{\"class\":" + RubyJson.Serialize(job.Class) + ",\"args\":" + job.ArgsJson + "}";
}

/// <summary>One stored delayed entry: the job when it reads as one, else the raw text and why not.</summary>
public sealed record DelayedEntry(long At, string Raw, DelayedJob? Job, string? Error);

/// <summary>Where a page of delayed jobs starts: a Unix second and how many of its jobs come before.</summary>
internal readonly record struct DelayedCursor(long At, long Skip)
{
    public static DelayedCursor Start { get; } = new(long.MinValue, 0);
}

/// <summary>A delayed entry and its index within its second's bucket.</summary>
internal sealed record DelayedSlot(DelayedEntry Entry, long Offset);

/// <param name="Next">Where the following page starts; null when this one reached the end.</param>
internal sealed record DelayedPage(IReadOnlyList<DelayedSlot> Slots, DelayedCursor? Next);
