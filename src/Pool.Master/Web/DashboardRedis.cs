using Pool.Protocol.Connection;
using StackExchange.Redis;

namespace Pool.Master.Web;

/// <summary>
/// The dashboard's own Redis connection. It keeps reconnecting in the background while Redis is
/// down, and every page reads through <see cref="Budget"/>: a dead or stalled Redis gives a
/// page with a banner within a second, never a page that hangs.
/// </summary>
internal sealed class DashboardRedis : IAsyncDisposable
{
    /// <summary>The longest a page waits for Redis, all its reads together.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromMilliseconds(900);

    private readonly Task<ConnectionMultiplexer?> _connection;

    public DashboardRedis(string url)
    {
        RedactedUrl = RedisUrl.Redact(url);
        _connection = ConnectAsync(url);
    }

    /// <summary>The URL without its password, the only form of it any page shows.</summary>
    public string RedactedUrl { get; }

    private static async Task<ConnectionMultiplexer?> ConnectAsync(string url)
    {
        try
        {
            var options = RedisConnector.ProcessOptions(url, "pool-web");
            options.ConnectTimeout = (int)Budget.TotalMilliseconds;
            options.AsyncTimeout = (int)Budget.TotalMilliseconds;
            options.SyncTimeout = (int)Budget.TotalMilliseconds;
            return await RedisConnector.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    /// <summary>The database when connected; null at once while Redis is down.</summary>
    public IDatabase? Database =>
        _connection.IsCompletedSuccessfully && _connection.Result is { IsConnected: true } redis ? redis.GetDatabase() : null;

    /// <summary>As <see cref="Database"/>, but the first requests after a start wait (within the budget) for the first connect.</summary>
    public async Task<IDatabase?> DatabaseAsync(CancellationToken ct)
    {
        if (!_connection.IsCompleted)
        {
            try
            {
                await _connection.WaitAsync(Budget, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }
        return Database;
    }

    /// <summary>
    /// Closes the connection; one still making its first connect is closed once that ends, in
    /// the background. Waiting for it held a master stopped in its first second, with Redis
    /// down, for 1.6 s after its drain (the client's connect attempts against a refusing port).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_connection.IsCompleted) await CloseAsync().ConfigureAwait(false);
        else _ = CloseAsync();
    }

    // The connect never throws (a failure is null), so neither does this.
    private async Task CloseAsync()
    {
        if (await _connection.ConfigureAwait(false) is { } redis) await redis.DisposeAsync().ConfigureAwait(false);
    }
}
