using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Queues for the dashboard, read in windows: the queue names come from one SMEMBERS (names only,
/// small even for 10,000 queues); lengths and oldest jobs are read only for the page shown, and a
/// queue's jobs only as an LRANGE window. Changes are single commands keyed on the job's exact text.
/// </summary>
public sealed class QueueBrowser(IDatabaseAsync db, ResqueKeys keys)
{
    /// <summary>One page of queues, ordered by name, optionally only names containing <paramref name="filter"/>.</summary>
    public async Task<QueuePage> ListAsync(string? filter, int offset, int limit)
    {
        var namesTask = db.SetMembersAsync(keys.Queues);
        var pausedTask = db.SetMembersAsync(keys.PausedQueues);
        await Task.WhenAll(namesTask, pausedTask).ConfigureAwait(false);
        var paused = pausedTask.Result.Select(v => (string)v!).ToHashSet(StringComparer.Ordinal);
        var names = namesTask.Result.Select(v => (string)v!)
            .Where(n => string.IsNullOrEmpty(filter) || n.Contains(filter, StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();
        var shown = names.Skip(Math.Max(0, offset)).Take(Math.Max(0, limit)).ToList();
        var lengths = shown.Select(q => db.ListLengthOrZeroAsync(keys.Queue(q))).ToList();
        var oldest = shown.Select(q => db.ListGetByIndexOrNullAsync(keys.Queue(q), 0)).ToList();
        await Task.WhenAll([.. lengths, .. oldest]).ConfigureAwait(false);
        var rows = shown.Select((q, i) => new QueueRow(q, lengths[i].Result, paused.Contains(q), oldest[i].Result.IsNull ? null : (string)oldest[i].Result!)).ToList();
        return new QueuePage(rows, names.Count, paused.Count);
    }

    /// <summary>Jobs <paramref name="offset"/>..offset+limit-1 of a queue, oldest (next to run) first.</summary>
    public async Task<JobWindow> JobsAsync(string queue, long offset, int limit)
    {
        var length = db.ListLengthOrZeroAsync(keys.Queue(queue));
        var jobs = db.ListRangeOrEmptyAsync(keys.Queue(queue), offset, offset + limit - 1);
        var paused = db.SetContainsAsync(keys.PausedQueues, queue);
        await Task.WhenAll(length, jobs, paused).ConfigureAwait(false);
        return new JobWindow(queue, length.Result, offset, jobs.Result.Select(j => (string)j!).ToList(), paused.Result);
    }

    /// <summary>Removes one job with exactly this text (the first such from the head); true when one was there.</summary>
    public async Task<bool> DeleteJobAsync(string queue, string payload) =>
        await db.ListRemoveAsync(keys.Queue(queue), payload, 1).ConfigureAwait(false) > 0;

    /// <summary>Empties a queue; it stays in NS:queues so workers and producers keep seeing it. Returns how many jobs it held.</summary>
    public async Task<long> ClearAsync(string queue) =>
        (long)await db.ScriptEvaluateAsync(
            "local n = redis.call('LLEN', KEYS[1]) redis.call('DEL', KEYS[1]) return n", [keys.Queue(queue)]).ConfigureAwait(false);
}

/// <param name="Total">Queues matching the filter, all pages.</param>
public sealed record QueuePage(IReadOnlyList<QueueRow> Rows, int Total, int PausedCount);

/// <param name="Oldest">The job at the head (next to run), as stored; null when empty.</param>
public sealed record QueueRow(string Name, long Length, bool Paused, string? Oldest);

public sealed record JobWindow(string Queue, long Length, long Offset, IReadOnlyList<string> Jobs, bool Paused);
