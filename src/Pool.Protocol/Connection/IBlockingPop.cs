using StackExchange.Redis;

namespace Pool.Protocol.Connection;

/// <summary>
/// A connection kept for one blocking list pop at a time (an idle worker's BLPOP holds its
/// connection for the whole wait): <see cref="BlockingPopConnection"/> where it can serve the
/// URL, else <see cref="MultiplexedBlockingPop"/>.
/// </summary>
internal interface IBlockingPop : IAsyncDisposable
{
    /// <summary>BLPOP: the key and the value popped, or null at the timeout.</summary>
    Task<(string Key, string Value)?> LeftPopAsync(IReadOnlyList<string> keys, TimeSpan timeout);

    /// <summary>Confirms this connection's writes (a pop is one) with the replicas REDIS_URL asks for.</summary>
    Task ConfirmAsync();

    /// <summary>The dedicated connection where it can serve <paramref name="options"/>, else a multiplexer made by <paramref name="connect"/>.</summary>
    public static async Task<IBlockingPop> OpenAsync(ConfigurationOptions options, ReplicaConfirmation confirmation, string clientName, TimeSpan connectTimeout, Func<Task<ConnectionMultiplexer>> connect) =>
        BlockingPopConnection.Supports(options, confirmation.Replicas)
            ? new BlockingPopConnection(options, clientName, connectTimeout)
            : new MultiplexedBlockingPop(await connect().ConfigureAwait(false), confirmation);
}

/// <summary>A blocking pop on a StackExchange.Redis multiplexer of its own (TLS, Sentinel, replica confirmation).</summary>
internal sealed class MultiplexedBlockingPop(ConnectionMultiplexer redis, ReplicaConfirmation confirmation) : IBlockingPop
{
    public async Task<(string Key, string Value)?> LeftPopAsync(IReadOnlyList<string> keys, TimeSpan timeout)
    {
        var args = new object[keys.Count + 1];
        for (var i = 0; i < keys.Count; i++) args[i] = keys[i];
        args[^1] = BlockingPopConnection.Seconds(timeout);
        var r = await redis.GetDatabase().ExecuteAsync("BLPOP", args).ConfigureAwait(false);
        if (r.IsNull) return null;
        var popped = (RedisResult[])r!;
        return ((string)popped[0]!, (string)popped[1]!);
    }

    public Task ConfirmAsync() => confirmation.ConfirmAsync(redis.GetDatabase());

    /// <summary>Drops a pop still parked on the connection instead of waiting out its timeout.</summary>
    public async ValueTask DisposeAsync()
    {
        await redis.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
        await redis.DisposeAsync().ConfigureAwait(false);
    }
}
