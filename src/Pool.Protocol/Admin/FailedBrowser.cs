using System.Diagnostics;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Resque's failed list (NS:failed, oldest first, new entries RPUSHed) shown newest first, in
/// LRANGE windows: a page never reads more than it shows, and a filter reads the list in chunks
/// from the newest end, stopping when the page is full or its budget is spent, and hands back
/// where it stopped (a cursor) so the next page goes on from there. Indexes below a cursor stay
/// valid while workers push new failures, since those land above it.
/// </summary>
public sealed class FailedBrowser(IDatabaseAsync db, ResqueKeys keys)
{
    /// <summary>Entries read per LRANGE while filtering.</summary>
    public const int Chunk = 500;

    /// <summary>The newest-first page: entries at indexes <paramref name="below"/>-1 downward (all when null).</summary>
    /// <param name="budget">How long a filtered read may go on before it returns what it found with a cursor.</param>
    public async Task<FailedWindow> PageAsync(FailedFilter filter, long? below, int limit, TimeSpan budget)
    {
        var total = await db.ListLengthOrZeroAsync(keys.Failed).ConfigureAwait(false);
        var top = Math.Min(below ?? total, total);
        if (filter.IsEmpty)
        {
            var start = Math.Max(0, top - limit);
            if (top <= 0) return new FailedWindow([], total, null, 0);
            var raw = await db.ListRangeOrEmptyAsync(keys.Failed, start, top - 1).ConfigureAwait(false);
            var page = raw.Select((r, i) => FailedJob.Parse(start + i, (string)r!)).Reverse().ToList();
            return new FailedWindow(page, total, start > 0 ? start : null, page.Count);
        }

        var found = new List<FailedJob>();
        var clock = Stopwatch.StartNew();
        long scanned = 0;
        var next = top;
        while (next > 0 && found.Count < limit && clock.Elapsed < budget)
        {
            var start = Math.Max(0, next - Chunk);
            var raw = await db.ListRangeOrEmptyAsync(keys.Failed, start, next - 1).ConfigureAwait(false);
            // Newest first within the chunk too; stop inside it when the page is full.
            for (var i = raw.Length - 1; i >= 0; i--)
            {
                var index = start + i;
                scanned++;
                next = index;
                var text = (string)raw[i]!;
                if (!filter.MayMatch(text)) continue;
                var job = FailedJob.Parse(index, text);
                if (!filter.Matches(job)) continue;
                found.Add(job);
                if (found.Count == limit) break;
            }
            if (raw.Length == 0) next = start;
        }
        return new FailedWindow(found, total, next > 0 ? next : null, scanned);
    }

    /// <summary>
    /// Runs <paramref name="act"/> on matching entries, newest first (so removing one never moves
    /// the ones still to visit), at most <paramref name="max"/> of them and for at most
    /// <paramref name="budget"/>; returns how many were acted on and whether entries were left unvisited.
    /// </summary>
    public async Task<BulkResult> ForEachMatchAsync(FailedFilter filter, Func<FailedJob, Task<bool>> act, int max, TimeSpan budget)
    {
        var clock = Stopwatch.StartNew();
        var next = await db.ListLengthOrZeroAsync(keys.Failed).ConfigureAwait(false);
        var done = 0;
        while (next > 0 && done < max && clock.Elapsed < budget)
        {
            var start = Math.Max(0, next - Chunk);
            var raw = await db.ListRangeOrEmptyAsync(keys.Failed, start, next - 1).ConfigureAwait(false);
            if (raw.Length == 0) { next = start; continue; }
            for (var i = raw.Length - 1; i >= 0 && done < max; i--)
            {
                next = start + i;
                var text = (string)raw[i]!;
                if (!filter.MayMatch(text)) continue;
                var job = FailedJob.Parse(start + i, text);
                if (filter.Matches(job) && await act(job).ConfigureAwait(false)) done++;
            }
        }
        return new BulkResult(done, next > 0);
    }
}

/// <param name="Total">Entries in the whole list.</param>
/// <param name="Below">Where the next (older) page starts, as an exclusive index; null at the oldest entry.</param>
/// <param name="Scanned">How many entries this page read.</param>
public sealed record FailedWindow(IReadOnlyList<FailedJob> Jobs, long Total, long? Below, long Scanned);

/// <param name="More">The list was not read to its oldest entry: press again for the rest.</param>
public sealed record BulkResult(int Done, bool More);
