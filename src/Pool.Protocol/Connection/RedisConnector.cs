using Pool.Protocol.Connection.Sentinel;
using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// The one way Pool opens a Redis connection (workers, master, producer, admin commands), from
/// options that <see cref="RedisUrl.Parse"/> made and the caller tuned. Options that name a
/// Sentinel service get a connection that follows the primary the sentinels name within a
/// second of a failover (see <see cref="SentinelWatch"/>); any other goes to StackExchange.Redis
/// as it is.
/// </summary>
public static class RedisConnector
{
    /// <param name="notice">Told, on a pool thread, when a Sentinel connection moves to a new primary (for the caller's log).</param>
    public static Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, Action<string>? notice = null) =>
        string.IsNullOrEmpty(options.ServiceName)
            ? ConnectionMultiplexer.ConnectAsync(options)
            : SentinelWatch.ConnectAsync(options, notice);

    /// <summary>
    /// <paramref name="url"/>'s options for a long-lived Pool process (the master, a worker):
    /// connecting in the background while Redis is down, since neither may wait for Redis to do
    /// its own work, and completing replies on the .NET thread pool. The client's default socket
    /// manager keeps 10 threads of its own: each reply crossed from them to the pool, where the
    /// awaiting code continues anyway (about +35 % no-op throughput in a worker without the
    /// hop), and on an idle master they woke about 27 times a second of its 130, each a chance
    /// to delay the worker an idle pool's next job wakes on the same cores. Neither process
    /// blocks a pool thread, which is what the dedicated threads guard against.
    /// Every connection is named (<paramref name="clientName"/>), so CLIENT LIST tells Pool's
    /// processes and their roles apart instead of showing the client's default name.
    /// </summary>
    internal static ConfigurationOptions ProcessOptions(string url, string clientName)
    {
        var options = RedisUrl.Parse(url);
        options.ClientName = clientName;
        options.AbortOnConnectFail = false;
        options.SocketManager = SocketManager.ThreadPool;
        return options;
    }

    /// <summary>True when <paramref name="redis"/> reaches Redis through Sentinel.</summary>
    public static bool IsSentinel(IConnectionMultiplexer redis) =>
        SentinelWatch.Follows(redis)
        || !string.IsNullOrEmpty(ConfigurationOptions.Parse(redis.Configuration, ignoreUnknown: true).ServiceName);

    /// <summary>Options for one more connection to where <paramref name="redis"/> leads (the current primary, under Sentinel).</summary>
    internal static ConfigurationOptions OptionsLike(IConnectionMultiplexer redis) =>
        SentinelWatch.OptionsFor(redis) ?? ConfigurationOptions.Parse(redis.Configuration);
}
