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
    /// <exception cref="RedisConnectionException">Redis took the connection as another user than the URL names (its AUTH was refused).</exception>
    /// <exception cref="RedisCommandException">The user may not SELECT the URL's database.</exception>
    public static async Task<ConnectionMultiplexer> ConnectAsync(ConfigurationOptions options, Action<string>? notice = null)
    {
        var redis = string.IsNullOrEmpty(options.ServiceName)
            ? await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false)
            : await SentinelWatch.ConnectAsync(options, notice).ConfigureAwait(false);
        if (options.User is null && options.DefaultDatabase is null or 0) return redis;
        try
        {
            await VerifyAsync(redis, options).ConfigureAwait(false);
        }
        catch
        {
            await redis.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return redis;
    }

    /// <summary>
    /// The client goes on after Redis refuses its AUTH (as the default user, when that one needs
    /// no password) or its SELECT (in database 0), both in silence: the pool then ran as another
    /// user, or read and wrote another database than the URL names. One round trip each, only
    /// for a URL that names a user or a database other than 0, and only when connected now (a
    /// master that starts before Redis does not wait for it).
    /// </summary>
    private static async Task VerifyAsync(ConnectionMultiplexer redis, ConfigurationOptions options)
    {
        if (!redis.IsConnected) return;
        var db = redis.GetDatabase();
        if (options.User is { } user)
        {
            string? who = null;
            try
            {
                who = (string?)await db.ExecuteAsync("ACL", "WHOAMI").ConfigureAwait(false);
            }
            catch (RedisServerException)
            {
                // No ACL WHOAMI (Redis before 6, or a user not allowed it): nothing to compare.
            }
            if (who is not null && who != user)
                throw new RedisConnectionException(ConnectionFailureType.AuthenticationFailure, $"{RedisAuthentication.Failed} (Redis took the connection as user '{who}')");
        }
        if (options.DefaultDatabase is { } number and not 0)
        {
            try
            {
                await db.ExecuteAsync("SELECT", number).ConfigureAwait(false);
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOPERM", StringComparison.Ordinal))
            {
                throw new RedisCommandException($"Redis refused SELECT {number}, the database in REDIS_URL ({e.Message.Split('\n')[0]}): this user may not change database, so the pool would use database 0; use /0 in the URL, or grant the user +select");
            }
        }
    }

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
