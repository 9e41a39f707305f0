using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Capacity;

/// <summary>What one sample measured, handed back to the supervisor's loop.</summary>
/// <param name="Pss">PSS in bytes of each child that could be read.</param>
/// <param name="Loads">Per autoscaled group (by queue list); null when Redis could not be read.</param>
/// <param name="Error">Why <paramref name="Loads"/> is null.</param>
internal sealed record CapacityMeasure(IReadOnlyDictionary<int, long> Pss, long? MasterPss,
    IReadOnlyDictionary<string, GroupLoad>? Loads, IReadOnlySet<string> Busy, string? Error);

/// <summary>
/// The off-loop half of capacity: reads PSS from /proc, asks Redis about the autoscaled groups'
/// queues and workers, and publishes the last <see cref="CapacityView"/> for `pool-master status`
/// on the <see cref="CapacityBoard"/>. It has its own
/// connection, made at the first sample that needs one, so the recovery store's calls and these
/// never wait on each other. One sample at a time (the loop's flag); never throws.
/// </summary>
internal sealed class CapacitySampler(string redisUrl, string ns, TimeProvider time)
{
    /// <summary>How long `pool-master status` keeps showing a master that stopped publishing.</summary>
    public static readonly TimeSpan StatusTtl = TimeSpan.FromSeconds(15);

    private readonly ResqueKeys _keys = new(ns);
    private Task<ConnectionMultiplexer>? _redis;
    private QueueProbe? _probe;

    public async Task<CapacityMeasure> SampleAsync(IReadOnlyList<int> pids, IReadOnlyList<GroupProbe> groups, CapacityView? publish, TimeSpan timeout)
    {
        var pss = new Dictionary<int, long>();
        foreach (var pid in pids)
        {
            if (ProcessPss.Read(pid) is { } bytes) pss[pid] = bytes;
        }
        var master = ProcessPss.Read(Environment.ProcessId);
        if (groups.Count == 0 && publish is null) return new CapacityMeasure(pss, master, null, new HashSet<string>(), null);
        try
        {
            var db = (await Connect().WaitAsync(timeout).ConfigureAwait(false)).GetDatabase();
            _probe ??= new QueueProbe(db, _keys, time);
            var (loads, busy) = groups.Count == 0 ? (new Dictionary<string, GroupLoad>(), new HashSet<string>()) : await _probe.SampleAsync(groups).WaitAsync(timeout).ConfigureAwait(false);
            if (publish is not null)
                await CapacityBoard.PublishAsync(db, _keys, CapacityJson.From(publish), StatusTtl, time.GetUtcNow()).WaitAsync(timeout).ConfigureAwait(false);
            return new CapacityMeasure(pss, master, groups.Count == 0 ? null : loads, busy, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new CapacityMeasure(pss, master, null, new HashSet<string>(), RedisErrors.Brief(e));
        }
    }

    /// <summary>
    /// Before the master's exit line: takes this master off `status` at once (not 15 s later)
    /// and closes the connection. Best effort within <paramref name="budget"/>; never throws.
    /// </summary>
    public async Task WithdrawAsync(TimeSpan budget)
    {
        if (_redis is not { IsCompletedSuccessfully: true } connecting) return;
        var redis = connecting.Result;
        try
        {
            if (redis.IsConnected)
                await CapacityBoard.RemoveAsync(redis.GetDatabase(), _keys, Pool.Protocol.Recovery.WorkerIdentity.Host, Environment.ProcessId).WaitAsync(budget).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The TTL removes it.
        }
        await redis.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        await redis.DisposeAsync().ConfigureAwait(false);
    }

    private Task<ConnectionMultiplexer> Connect()
    {
        if (_redis is { IsFaulted: true } or { IsCanceled: true }) _redis = null;
        return _redis ??= Task.Run(async () =>
        {
            var options = RedisConnector.ProcessOptions(redisUrl, "pool-master-capacity");
            return await RedisConnector.ConnectAsync(options).ConfigureAwait(false);
        });
    }
}
