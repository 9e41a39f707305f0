using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// Tells a wrong password apart from an outage. A client that keeps retrying (the master, the
/// workers) only ever sees its calls time out or find no connection, and would say "timed out"
/// or "unreachable" about a Redis that is up and answering WRONGPASS. The retrying connection
/// does not report why it failed, so whenever it is down this makes one fail-fast connect with
/// the same options, whose error does say it (as the admin commands' connection does).
/// </summary>
public static class RedisAuthentication
{
    /// <summary>The second half of every such message: what is wrong and what to do.</summary>
    public const string Failed = "authentication failed: Redis refused the password (or user) in REDIS_URL; fix it there";

    public static bool IsFailure(ConnectionFailureType type) => type == ConnectionFailureType.AuthenticationFailure;

    /// <summary>
    /// Calls <paramref name="report"/> (on a pool thread) when Redis refuses this connection's
    /// credentials: checked now if it is down, and at each connection failure; said once until a
    /// connection succeeds again.
    /// </summary>
    public static void Watch(IConnectionMultiplexer redis, Action report)
    {
        var state = new WatchState();
        redis.ConnectionFailed += (_, _) => _ = CheckAsync(redis, state, report);
        redis.ConnectionRestored += (_, _) => Volatile.Write(ref state.Reported, 0);
        if (!redis.IsConnected) _ = CheckAsync(redis, state, report);
    }

    private sealed class WatchState
    {
        public int Checking;
        public int Reported;
    }

    private static async Task CheckAsync(IConnectionMultiplexer redis, WatchState state, Action report)
    {
        if (Volatile.Read(ref state.Reported) == 1 || Interlocked.Exchange(ref state.Checking, 1) == 1) return;
        try
        {
            if (await IsRefusedAsync(redis).ConfigureAwait(false) && Interlocked.Exchange(ref state.Reported, 1) == 0) report();
        }
        finally
        {
            Volatile.Write(ref state.Checking, 0);
        }
    }

    /// <summary>One connect that gives up at once; true only when Redis answered and refused the credentials.</summary>
    private static async Task<bool> IsRefusedAsync(IConnectionMultiplexer redis)
    {
        try
        {
            var options = RedisConnector.OptionsLike(redis);
            options.AbortOnConnectFail = true;
            options.ConnectRetry = 1;
            options.ConnectTimeout = 2000;
            await using var probe = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            return false;
        }
        catch (RedisConnectionException e)
        {
            return IsFailure(e.FailureType);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The probe is only there to improve a message; it must never fail its caller.
            return false;
        }
    }
}
