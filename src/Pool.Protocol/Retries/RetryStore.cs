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
    public async Task<IReadOnlyList<PendingRetry>> ListAsync(int scan = 10_000)
    {
        var entries = (await new DelayedQueue(db, keys).ListAsync(scan).ConfigureAwait(false)).Where(e => e.Job is not null).ToList();
        var counterKeys = entries.Select(e => RetryKeys.Counter(e.Job!.Class, e.Job.ArgsJson)).ToList();
        var counters = await Task.WhenAll(counterKeys.Select(c => db.StringGetAsync(K(c)))).ConfigureAwait(false);
        var failures = await Task.WhenAll(counterKeys.Select(c => db.StringGetAsync(K(RetryKeys.Failure(c))))).ConfigureAwait(false);
        var list = new List<PendingRetry>();
        for (var i = 0; i < entries.Count; i++)
        {
            if (counters[i].IsNull || !int.TryParse((string?)counters[i], out var attempt)) continue;
            list.Add(new PendingRetry(list.Count, entries[i].Job!, counterKeys[i], attempt + 1, failures[i].IsNull ? null : FailedRecordView.Parse((string)failures[i]!)));
        }
        return list;
    }

    public async Task<PendingRetry?> GetAsync(int index) =>
        index < 0 ? null : (await ListAsync().ConfigureAwait(false)).ElementAtOrDefault(index);

    /// <summary>Runs the retry now (it keeps its attempt count). False when it was gone.</summary>
    public Task<bool> RunNowAsync(PendingRetry retry) => EditAsync("now", retry);

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
