using Pool.Protocol.Keys;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Resque's failed list (NS:failed), read and changed the way Resque::Failure::Redis does, so
/// resque-web and Pool can be used on the same data. Every change is one script keyed on the
/// entry's exact text, so it is safe while workers push new failures and other clients edit.
/// Indexes are 0-based, like resque-web's.
/// </summary>
public sealed class FailedJobs(IDatabaseAsync db, ResqueKeys keys, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    public Task<long> CountAsync() => db.ListLengthOrZeroAsync(keys.Failed);

    public async Task<IReadOnlyList<FailedJob>> ListAsync(long start = 0, long count = 100)
    {
        if (count <= 0) return [];
        var raw = await db.ListRangeOrEmptyAsync(keys.Failed, start, start + count - 1).ConfigureAwait(false);
        return raw.Select((r, i) => FailedJob.Parse(start + i, (string)r!)).ToList();
    }

    /// <summary>The entry at a 0-based index; a negative one is refused, since Redis would count it from the end.</summary>
    public async Task<FailedJob?> GetAsync(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        var raw = await db.ListGetByIndexOrNullAsync(keys.Failed, index).ConfigureAwait(false);
        return raw.IsNull ? null : FailedJob.Parse(index, (string)raw!);
    }

    /// <summary>
    /// Sets retried_at on the entry (it stays in the list, as in Resque) and enqueues its payload
    /// to its queue with a wake-up. The payload is the stored one, byte for byte, without Pool's
    /// pool_attempts count, so a former poison job gets its full number of attempts again.
    /// </summary>
    public async Task<RetryResult> RetryAsync(long index)
    {
        var job = await GetAsync(index).ConfigureAwait(false);
        return job is null ? RetryResult.Gone(index) : await RetryAsync(job).ConfigureAwait(false);
    }

    /// <summary>Retries every entry in the list at the time of the call (also ones retried before, as Resque does).</summary>
    public async Task<IReadOnlyList<RetryResult>> RetryAllAsync()
    {
        var all = await ListAsync(0, long.MaxValue / 2).ConfigureAwait(false);
        var results = new List<RetryResult>(all.Count);
        foreach (var job in all) results.Add(await RetryAsync(job).ConfigureAwait(false));
        return results;
    }

    public async Task<RetryResult> RetryAsync(FailedJob job)
    {
        if (job.Queue is not { Length: > 0 } queue || job.Payload is null)
            return new RetryResult(job.Index, RetryOutcome.Unretryable, job.Queue, null, "the entry has no queue or no payload");

        var payload = job.Payload.TrimStart().StartsWith('{') ? PayloadFields.Remove(job.Payload, JobPayload.AttemptsField) : job.Payload;
        var marked = PayloadFields.Set(job.Raw, "retried_at", ResqueJson.Quote(ResqueTime.Failed(_time.GetUtcNow())));
        var r = (long)await ScriptRunner.RunAsync(db, PoolScripts.FailedEdit,
            [keys.Namespace, job.Index, job.Raw, "retry", marked, queue, payload, PoolScripts.WakeBound]).ConfigureAwait(false);
        return r < 0 ? RetryResult.Gone(job.Index) : new RetryResult(r, RetryOutcome.Retried, queue, payload, null);
    }

    /// <summary>Removes one entry; true when it was there.</summary>
    public async Task<bool> RemoveAsync(long index)
    {
        var job = await GetAsync(index).ConfigureAwait(false);
        return job is not null && await RemoveAsync(job).ConfigureAwait(false);
    }

    /// <summary>Removes the entry with exactly <paramref name="job"/>'s text, found again if it moved; true when it was there.</summary>
    public async Task<bool> RemoveAsync(FailedJob job)
    {
        var sentinel = "pool:removing:" + Guid.NewGuid().ToString("N");
        var r = (long)await ScriptRunner.RunAsync(db, PoolScripts.FailedEdit, [keys.Namespace, job.Index, job.Raw, "remove", sentinel]).ConfigureAwait(false);
        return r >= 0;
    }

    /// <summary>Deletes the whole list; returns how many entries it held.</summary>
    public async Task<long> ClearAsync()
    {
        var r = await db.ScriptEvaluateAsync(
            "local n = redis.call('LLEN', KEYS[1]) redis.call('DEL', KEYS[1]) return n", [keys.Failed]).ConfigureAwait(false);
        return (long)r;
    }
}

public enum RetryOutcome { Retried, Gone, Unretryable }

/// <param name="Index">Where the entry is now (it may have moved since it was read).</param>
/// <param name="Payload">What was enqueued, when something was.</param>
public sealed record RetryResult(long Index, RetryOutcome Outcome, string? Queue, string? Payload, string? Why)
{
    public static RetryResult Gone(long index) => new(index, RetryOutcome.Gone, null, null, "no failed job at that index (removed or cleared meanwhile?)");
}
