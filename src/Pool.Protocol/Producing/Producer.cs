using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Producing;

/// <summary>
/// Enqueues jobs the way Resque does (SADD queues, RPUSH the payload) and, in the same script,
/// pushes a wake token so an idle Pool worker starts the job within milliseconds.
/// </summary>
public sealed class Producer : IAsyncDisposable
{
    private readonly IDatabase _db;
    private readonly ConnectionMultiplexer? _owned;

    public Producer(IConnectionMultiplexer redis, string? ns = null)
    {
        _db = redis.GetDatabase();
        Keys = new ResqueKeys(ns);
    }

    private Producer(ConnectionMultiplexer owned, string? ns) : this((IConnectionMultiplexer)owned, ns) => _owned = owned;

    public ResqueKeys Keys { get; }

    /// <summary>Connects to REDIS_URL-style <paramref name="redisUrl"/>; the producer owns that connection.</summary>
    public static async Task<Producer> ConnectAsync(string redisUrl, string? ns = null)
    {
        var options = RedisUrl.Parse(redisUrl);
        options.AbortOnConnectFail = false;
        return new Producer(await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false), ns);
    }

    /// <summary>Enqueues {"class":jobClass,"args":[...]} on <paramref name="queue"/>. Returns the queue length.</summary>
    public Task<long> EnqueueAsync(string queue, string jobClass, params object?[] args) =>
        EnqueueRawAsync(queue, PayloadCodec.Encode(jobClass, args));

    /// <summary>Typed form: the class name is the job type's name (or its [Job] name, given by the caller's registry).</summary>
    public Task<long> EnqueueAsync<TJob>(string queue, params object?[] args) =>
        EnqueueAsync(queue, JobNames.Of(typeof(TJob)), args);

    /// <summary>Enqueues an already encoded payload, byte for byte.</summary>
    public async Task<long> EnqueueRawAsync(string queue, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        var r = await ScriptRunner.RunAsync(_db, PoolScripts.Enqueue, [Keys.Namespace, queue, payload, PoolScripts.WakeBound]).ConfigureAwait(false);
        return (long)r;
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null) await _owned.DisposeAsync().ConfigureAwait(false);
    }
}
