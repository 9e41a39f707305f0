using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Web;

/// <summary>
/// The overview's queue sizes (all queues' total, the longest ten), shared by every request and
/// read again at most every <see cref="MaxAge"/>: one read in flight at a time, whoever asks
/// meanwhile waits for that one. Every open overview polls api/stats every 5 s, so without this
/// ten open tabs over 10,000 queues would mean ten full passes over Redis every 5 s.
/// </summary>
internal sealed class QueueSummaryCache(ResqueKeys keys, TimeProvider time)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);
    public const int Top = 10;

    private readonly Lock _gate = new();
    private Task<QueueSummary>? _current;

    public Task<QueueSummary> GetAsync(IDatabase db)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            // A read in flight is shared; a finished one is used while fresh; a failed one is retried at once.
            if (_current is { } c && (!c.IsCompleted || (c.IsCompletedSuccessfully && now - c.Result.At < MaxAge))) return c;
            return _current = new QueueSizes(db, keys).SummarizeAsync(Top, now);
        }
    }
}
