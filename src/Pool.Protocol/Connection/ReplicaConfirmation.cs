using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// Makes a protocol write count only once replicas hold it. Redis replicates asynchronously, so
/// a write the primary acknowledged can vanish in a failover: an enqueue is lost, or an ack is,
/// and a finished job runs again. With <see cref="Replicas"/> above 0, each such write is followed,
/// in the same round trip, by WAIT on the same connection; if fewer replicas acknowledged it
/// within <see cref="Timeout"/>, <see cref="ReplicaUnconfirmedException"/> says the write may or
/// may not survive, and the caller retries it (every protocol script is idempotent by its
/// reservation id). A primary the sentinels have just replaced has lost its replica, so nothing
/// written to it is confirmed: a worker keeps retrying until it reaches the new primary.
/// </summary>
public sealed class ReplicaConfirmation
{
    /// <summary>How long a write waits for its replicas before it counts as unconfirmed.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMilliseconds(500);

    /// <summary>No confirmation: the write counts once the primary has it (standalone Redis).</summary>
    public static readonly ReplicaConfirmation None = new(0);

    public ReplicaConfirmation(int replicas, TimeSpan? timeout = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(replicas);
        Replicas = replicas;
        Timeout = timeout ?? DefaultTimeout;
    }

    public int Replicas { get; }
    public TimeSpan Timeout { get; }

    /// <summary>What REDIS_URL asks for: its min_replica_acks, else 1 under Sentinel and 0 otherwise.</summary>
    public static ReplicaConfirmation FromUrl(string redisUrl) => Of(RedisUrl.MinReplicaAcks(redisUrl));

    /// <summary>The default for a connection made elsewhere: 1 when it goes through Sentinel, else none.</summary>
    public static ReplicaConfirmation For(IConnectionMultiplexer redis) =>
        Of(RedisConnector.IsSentinel(redis) ? 1 : 0);

    private static ReplicaConfirmation Of(int replicas) => replicas == 0 ? None : new ReplicaConfirmation(replicas);

    /// <summary>Runs the script and confirms it, WAIT pipelined right behind it.</summary>
    internal Task<RedisResult> RunAsync(IDatabaseAsync db, LuaScriptText script, RedisValue[] argv) =>
        Replicas == 0 ? ScriptRunner.RunAsync(db, script, argv) : ScriptRunner.RunAsync(db, script, argv, () => ConfirmAsync(db));

    /// <summary>Confirms every write this connection sent so far (WAIT covers them all).</summary>
    public async Task ConfirmAsync(IDatabaseAsync db)
    {
        if (Replicas == 0) return;
        var acked = (long)await db.ExecuteAsync("WAIT", Replicas, (long)Timeout.TotalMilliseconds).ConfigureAwait(false);
        if (acked < Replicas) throw new ReplicaUnconfirmedException(Replicas, acked);
    }
}

/// <summary>
/// A write reached the primary but not enough replicas in time: after a failover it may be gone.
/// Retry it; the protocol's scripts make a repeat harmless.
/// </summary>
public sealed class ReplicaUnconfirmedException(int wanted, long acked)
    : RedisException($"the write reached {acked} of the {wanted} replica(s) it needs (min_replica_acks); it may not survive a failover, so it is retried");
