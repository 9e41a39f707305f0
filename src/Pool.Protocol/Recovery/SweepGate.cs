using StackExchange.Redis;

namespace Pool.Protocol.Recovery;

/// <summary>
/// Holds this process's lease sweeps back until it has seen Redis answer without trouble for a
/// whole lease. An expired lease proves a worker dead only if the worker could have renewed it:
/// after a Redis restart, a failover or a pause, every lease may have run out while its owner
/// was alive and merely unable to reach Redis, and a sweeper that came back first would start a
/// second copy of every running job. Owners renew every second once Redis is back, so waiting
/// one lease lets every live worker prove itself first. A process that just started counts as
/// having seen trouble: it does not know what happened before.
/// </summary>
public sealed class SweepGate
{
    private readonly TimeProvider _time;
    private long _troubleAt;

    public SweepGate(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _troubleAt = _time.GetTimestamp();
    }

    /// <summary>Counts a dropped or restored connection as trouble.</summary>
    public void Watch(IConnectionMultiplexer redis)
    {
        redis.ConnectionFailed += (_, _) => Trouble();
        redis.ConnectionRestored += (_, _) => Trouble();
    }

    /// <summary>Redis failed, timed out or reconnected: start waiting a whole lease again.</summary>
    public void Trouble() => Interlocked.Exchange(ref _troubleAt, _time.GetTimestamp());

    /// <summary>Runs a call, counting a Redis failure or timeout in it as trouble before it is rethrown.</summary>
    public async Task<T> WatchAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            Trouble();
            throw;
        }
    }

    /// <summary>True when nothing went wrong with Redis for at least <paramref name="lease"/>.</summary>
    public bool IsOpen(TimeSpan lease) => _time.GetElapsedTime(Interlocked.Read(ref _troubleAt)) >= lease;
}
