using Pool.Protocol.Admin;

namespace Pool.Master.Observability;

/// <summary>
/// What the instruments of <see cref="PoolMeter"/> read: this master's snapshot and counters as
/// they are now, and the namespace's job totals as Redis last gave them. /metrics refreshes the
/// totals before each scrape. Any other listener (an OpenTelemetry agent, dotnet-counters) gets
/// the last totals at once, and a collection that finds them older than
/// <see cref="MaxTotalsAge"/> starts one refresh in the background: collecting never waits on Redis.
/// </summary>
internal sealed class MetricsSource(SnapshotBoard board, MasterCounters counters, Func<Task<PoolStatus?>> readTotals)
{
    public static readonly TimeSpan MaxTotalsAge = TimeSpan.FromSeconds(5);

    private PoolStatus? _totals;
    private int _redisUp;
    private long _readAtMs = long.MinValue;
    private int _refreshing;

    public MasterSnapshot Snapshot => board.Current;

    public MasterCounters Counters => counters;

    /// <summary>The totals of the last read that Redis answered (kept while it does not), or null before the first.</summary>
    public PoolStatus? Totals
    {
        get
        {
            RefreshInBackgroundIfStale();
            return Volatile.Read(ref _totals);
        }
    }

    /// <summary>Whether the last read of the totals got an answer from Redis.</summary>
    public bool RedisUp => Volatile.Read(ref _redisUp) == 1;

    public async Task RefreshAsync()
    {
        Volatile.Write(ref _readAtMs, Environment.TickCount64);
        PoolStatus? totals;
        try
        {
            totals = await readTotals().ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // A connection disposed at shutdown, or any other failure: the totals stay as they were.
            totals = null;
        }
        Volatile.Write(ref _redisUp, totals is null ? 0 : 1);
        if (totals is not null) Volatile.Write(ref _totals, totals);
    }

    private void RefreshInBackgroundIfStale()
    {
        if (Environment.TickCount64 - Volatile.Read(ref _readAtMs) < MaxTotalsAge.TotalMilliseconds) return;
        if (Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        _ = Task.Run(async () =>
        {
            try
            {
                await RefreshAsync().ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _refreshing, 0);
            }
        });
    }
}
