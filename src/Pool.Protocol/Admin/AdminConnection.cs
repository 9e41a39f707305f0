using Pool.Protocol.Connection;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// A connection for a one-shot admin command. Unlike the master and the workers, which keep
/// retrying while Redis is down, a command run by hand should fail fast and say so: connect once
/// with a short timeout and abort when Redis does not answer.
/// </summary>
public static class AdminConnection
{
    public static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(2.5);

    /// <exception cref="RedisUnreachableException">Redis did not answer within the timeout.</exception>
    public static async Task<ConnectionMultiplexer> ConnectAsync(string redisUrl, TimeSpan? connectTimeout = null)
    {
        var options = RedisUrl.Parse(redisUrl);
        options.ClientName = "pool-admin";
        var timeout = (int)(connectTimeout ?? DefaultConnectTimeout).TotalMilliseconds;
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        options.ConnectTimeout = timeout;
        options.SyncTimeout = Math.Max(timeout, 5000);
        options.AsyncTimeout = Math.Max(timeout, 5000);
        try
        {
            return await RedisConnector.ConnectAsync(options).ConfigureAwait(false);
        }
        catch (RedisConnectionException e)
        {
            // The library's own message lists endpoints and internals; the failure type is enough here.
            throw new RedisUnreachableException($"cannot reach Redis at {RedisUrl.Redact(redisUrl)} ({e.FailureType})", e);
        }
    }
}

/// <summary>Redis did not answer; the message names the URL without its password.</summary>
public sealed class RedisUnreachableException(string message, Exception inner) : Exception(message, inner);
