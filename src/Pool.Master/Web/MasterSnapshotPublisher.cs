using Pool.Master.Observability;
using Pool.Master.Processes;
using Pool.Processes;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Serilog;
using StackExchange.Redis;

namespace Pool.Master.Web;

/// <summary>
/// Publishes this master's snapshot to Redis every few seconds for the dashboard's Masters page
/// (NS:pool:master:HOST:PID with a TTL, see <see cref="MasterRegistry"/>), and samples the job
/// totals for the history chart. Runs beside the loop on its own connection and reads only the
/// loop's published board: a slow or dead Redis delays nothing but this.
/// </summary>
internal sealed class MasterSnapshotPublisher : IAsyncDisposable
{
    public static readonly TimeSpan Every = TimeSpan.FromSeconds(5);

    /// <summary>Three missed publishes and the master drops off the page.</summary>
    public static readonly TimeSpan Ttl = TimeSpan.FromSeconds(15);

    private readonly DashboardRedis _redis;
    private readonly ResqueKeys _keys;
    private readonly SnapshotBoard _board;
    private readonly string _id = WorkerIdentity.Host + ":" + Environment.ProcessId;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _disposed;

    private MasterSnapshotPublisher(SnapshotBoard board, string redisUrl, string ns, ILogger log)
    {
        _board = board;
        _keys = new ResqueKeys(ns);
        _redis = new DashboardRedis(redisUrl);
        _loop = RunAsync(log, _stop.Token);
    }

    public static MasterSnapshotPublisher Start(SnapshotBoard board, string redisUrl, string ns, ILogger log) => new(board, redisUrl, ns, log);

    public MasterRecord Record()
    {
        var s = _board.Current;
        var children = s.Workers.Select(w => new MasterChild(w.Group, w.Slot, w.Pid, w.WorkerId, w.State, w.StartedAt,
            w.Pid is { } pid ? Bytes(ProcStatus.ResidentMb(pid)) : null, w.Restarts, w.CrashLooping, w.NextSpawnAt)).ToList();
        return new MasterRecord(_id, WorkerIdentity.Host, Environment.ProcessId, s.MasterStartedAt, DateTimeOffset.UtcNow, s.State,
            s.Restarts, Bytes(ProcStatus.ResidentMb(Environment.ProcessId)), children);
    }

    private static long? Bytes(double? mb) => mb is { } m ? (long)(m * 1048576) : null;

    private async Task RunAsync(ILogger log, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(Every);
        var warned = false;
        try
        {
            do
            {
                if (_redis.Database is not { } db || _board.Current.At == DateTimeOffset.UnixEpoch) continue;
                try
                {
                    await Task.WhenAll(
                        new MasterRegistry(db, _keys).PublishAsync(Record(), Ttl),
                        new StatsHistory(db, _keys).SampleAsync()).WaitAsync(DashboardRedis.Budget, ct).ConfigureAwait(false);
                    warned = false;
                }
                catch (Exception e) when (e is not OperationCanceledException and not OutOfMemoryException)
                {
                    // Any failure, not only Redis's own (SE.Redis can throw InvalidOperationException
                    // from its socket reader under load): a side task never ends, and never throws
                    // into the master's shutdown.
                    // Said for an operator: what it costs (the dashboard's view of this master
                    // ages) and that it mends itself; the exception is the detail, last.
                    if (!warned)
                        log.Warning("cannot publish this master's snapshot for the dashboard, which shows this master as of its last snapshot until it can; trying again every {Seconds:0} s, and the workers are not affected (the Redis client said: {Error}: {Message})",
                            Every.TotalSeconds, e.GetType().Name, Pool.Protocol.Connection.RedisErrors.Brief(e));
                    warned = true;
                }
            }
            while (await timer.WaitForNextTickAsync(ct).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Stops publishing and takes this master off the list at once (best effort, half a second at most); logs nothing. Idempotent.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1) return;
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        if (_redis.Database is { } db)
        {
            try
            {
                await new MasterRegistry(db, _keys).RemoveAsync(_id).WaitAsync(TimeSpan.FromMilliseconds(500)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The TTL removes it a few seconds later.
            }
        }
        _stop.Dispose();
        await _redis.DisposeAsync().ConfigureAwait(false);
    }
}
