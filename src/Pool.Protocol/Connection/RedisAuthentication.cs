using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// Tells a wrong password apart from an outage. A client that keeps retrying (the master, the
/// workers) otherwise only ever sees its calls time out, and says "timed out" or "unreachable"
/// about a Redis that is up and answering "WRONGPASS".
/// </summary>
public static class RedisAuthentication
{
    /// <summary>The second half of every such message: what is wrong and what to do.</summary>
    public const string Failed = "authentication failed: Redis refused the password (or user) in REDIS_URL; fix it there";

    public static bool IsFailure(ConnectionFailureType type) => type == ConnectionFailureType.AuthenticationFailure;

    /// <summary>
    /// Calls <paramref name="report"/> once when a connection attempt fails authentication, and
    /// again only after a connection has succeeded in between, so a retrying client says it once.
    /// </summary>
    public static void Watch(IConnectionMultiplexer redis, Action report)
    {
        var reported = 0;
        redis.ConnectionFailed += (_, e) =>
        {
            if (IsFailure(e.FailureType) && Interlocked.Exchange(ref reported, 1) == 0) report();
        };
        redis.ConnectionRestored += (_, _) => Volatile.Write(ref reported, 0);
    }
}
