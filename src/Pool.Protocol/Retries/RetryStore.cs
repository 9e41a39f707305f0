using System.Text.Json;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scheduling;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Retries;

/// <summary>
/// The pending retries, seen the way resque-retry's Retry tab sees them: delayed entries whose
/// class and args have a resque-retry counter. Lists them with their attempt count and last
/// failure, runs one now, or gives one up (its last failure goes to the failed list).
/// </summary>
internal sealed class RetryStore(IDatabase db, SchedulerKeys keys, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    private string K(string logical) => keys.Namespace + ":" + logical;

    /// <summary>Pending retries, earliest first, looking at most at <paramref name="scan"/> delayed entries.</summary>
    public async Task<IReadOnlyList<PendingRetry>> ListAsync(int scan = 10_000) =>
        (await PageAsync(DelayedCursor.Start, int.MaxValue, scan, TimeSpan.MaxValue).ConfigureAwait(false)).Retries;

    /// <summary>
    /// Pending retries from <paramref name="from"/> on, earliest first: delayed entries are read a
    /// window at a time and their counters checked (pipelined) until <paramref name="limit"/>
    /// retries are found, <paramref name="scan"/> entries are read or <paramref name="budget"/> is
    /// spent; the result says where to go on. Indexes count from <paramref name="from"/>.
    /// </summary>
    public async Task<RetryPage> PageAsync(DelayedCursor from, int limit, int scan, TimeSpan budget)
    {
        const int Window = 500;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var delayed = new DelayedQueue(db, keys);
        var list = new List<PendingRetry>();
        DelayedCursor? cursor = from;
        var scanned = 0;
        while (cursor is { } at && list.Count < limit && scanned < scan && clock.Elapsed < budget)
        {
            var page = await delayed.PageAsync(at, Math.Min(Window, scan - scanned)).ConfigureAwait(false);
            var slots = page.Slots.Where(s => s.Entry.Job is not null).ToList();
            var counterKeys = slots.Select(s => RetryKeys.Counter(s.Entry.Job!.Class, s.Entry.Job.ArgsJson)).ToList();
            var counters = await Task.WhenAll(counterKeys.Select(c => db.StringGetAsync(K(c)))).ConfigureAwait(false);
            var retrying = Enumerable.Range(0, slots.Count).Where(i => !counters[i].IsNull && int.TryParse((string?)counters[i], out _)).ToList();
            var failures = await Task.WhenAll(retrying.Select(i => db.StringGetAsync(K(RetryKeys.Failure(counterKeys[i]))))).ConfigureAwait(false);
            cursor = page.Next;
            scanned += page.Slots.Count;
            for (var r = 0; r < retrying.Count; r++)
            {
                var i = retrying[r];
                if (list.Count == limit)
                {
                    // Full: the next page starts at this retry.
                    cursor = new DelayedCursor(slots[i].Entry.At, slots[i].Offset);
                    break;
                }
                list.Add(new PendingRetry(list.Count, slots[i].Entry.Job!, counterKeys[i], int.Parse((string)counters[i]!, System.Globalization.CultureInfo.InvariantCulture) + 1,
                    failures[r].IsNull ? null : FailedRecordView.Parse((string)failures[r]!)));
            }
        }
        return new RetryPage(list, cursor, scanned);
    }

    /// <summary>The pending retry that <paramref name="job"/> is, read again from Redis; null when it has no counter (not a retry, or it ran).</summary>
    public async Task<PendingRetry?> OfAsync(DelayedJob job)
    {
        var counter = RetryKeys.Counter(job.Class, job.ArgsJson);
        var value = await db.StringGetAsync(K(counter)).ConfigureAwait(false);
        if (value.IsNull || !int.TryParse((string?)value, out var attempt)) return null;
        var failure = await db.StringGetAsync(K(RetryKeys.Failure(counter))).ConfigureAwait(false);
        return new PendingRetry(0, job, counter, attempt + 1, failure.IsNull ? null : FailedRecordView.Parse((string)failure!));
    }

    public async Task<PendingRetry?> GetAsync(int index) =>
        index < 0 ? null : (await ListAsync().ConfigureAwait(false)).ElementAtOrDefault(index);

    /// <summary>Runs the retry now (it keeps its attempt count). False when it was gone.</summary>
    public Task<bool> RunNowAsync(PendingRetry retry) => new DelayedQueue(db, keys).RunNowAsync(retry.Job);

    /// <summary>Gives the retry up: its last failure goes to the failed list with its attempt count. False when it was gone.</summary>
    public Task<bool> RemoveAsync(PendingRetry retry) => EditAsync("remove", retry);

    private async Task<bool> EditAsync(string mode, PendingRetry retry)
    {
        var job = retry.Job;
        var payload = DelayedQueue.QueuedPayload(job);
        var fallback = FailureRecord.Build(_time.GetUtcNow(), payload, "Pool::RetryRemoved",
            "its retry was removed by an operator; the last failure had expired", [], "pool-master", job.Queue);
        var r = await ScriptRunner.RunAsync(db, SchedulingScripts.RetryEdit,
            [keys.Namespace, mode, job.Encoded, job.At, retry.CounterKey, job.Queue, payload, fallback]).ConfigureAwait(false);
        return (long)r == 1;
    }
}

/// <param name="Next">Where to go on: the first entry not looked at; null when the schedule's end was reached.</param>
/// <param name="Scanned">How many delayed entries were read.</param>
internal sealed record RetryPage(IReadOnlyList<PendingRetry> Retries, DelayedCursor? Next, int Scanned);

/// <param name="Index">0-based position in the list, earliest first.</param>
/// <param name="Job">The delayed entry that is the retry.</param>
/// <param name="CounterKey">resque-retry's counter key (logical).</param>
/// <param name="Attempts">Runs so far (resque-retry's counter + 1).</param>
/// <param name="LastFailure">The suppressed failure record, when it has not expired.</param>
internal sealed record PendingRetry(int Index, DelayedJob Job, string CounterKey, int Attempts, FailedRecordView? LastFailure);

/// <summary>The fields of a failure record an operator reads.</summary>
internal sealed record FailedRecordView(string? FailedAt, string? Exception, string? Error, IReadOnlyList<string> Backtrace, string Raw)
{
    public static FailedRecordView Parse(string raw)
    {
        try
        {
            using var doc = JsonDocument.Parse(raw);
            var r = doc.RootElement;
            string? S(string name) => r.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            var bt = r.TryGetProperty("backtrace", out var b) && b.ValueKind == JsonValueKind.Array
                ? b.EnumerateArray().Select(x => x.ToString()).ToList() : [];
            return new FailedRecordView(S("failed_at"), S("exception"), S("error"), bt, raw);
        }
        catch (JsonException)
        {
            return new FailedRecordView(null, null, null, [], raw);
        }
    }
}
