using Pool.Protocol.Connection;
using Pool.Protocol.Keys;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Producing;

/// <summary>
/// Enqueues jobs the way Resque does (SADD queues, RPUSH the payload) and, in the same script,
/// either hands the job to an idle Pool worker (reserved for it and pushed to its mailbox, so it
/// starts one hop later) or pushes a wake token so the next idle worker reserves it.
/// </summary>
public sealed class Producer : IAsyncDisposable
{
    private readonly IDatabase _db;
    /// <summary>The producer's database, for the delayed-job extensions (Scheduling/ProducerScheduling.cs).</summary>
    internal IDatabase Database => _db;
    private readonly ConnectionMultiplexer? _owned;

    /// <param name="confirmation">How many replicas must hold an enqueue before it returns; by default 1 through Sentinel, else none.</param>
    public Producer(IConnectionMultiplexer redis, string? ns = null, ReplicaConfirmation? confirmation = null)
    {
        _db = redis.GetDatabase();
        Keys = new ResqueKeys(ns);
        Confirmation = confirmation ?? ReplicaConfirmation.For(redis);
    }

    private Producer(ConnectionMultiplexer owned, string? ns, ReplicaConfirmation confirmation) : this((IConnectionMultiplexer)owned, ns, confirmation) => _owned = owned;

    public ResqueKeys Keys { get; }

    /// <summary>
    /// An enqueue returns only once this many replicas hold it; otherwise it throws
    /// <see cref="ReplicaUnconfirmedException"/>: the job may or may not be queued, and enqueuing
    /// it again may run it twice.
    /// </summary>
    public ReplicaConfirmation Confirmation { get; }

    /// <summary>Connects to REDIS_URL-style <paramref name="redisUrl"/>; the producer owns that connection.</summary>
    public static async Task<Producer> ConnectAsync(string redisUrl, string? ns = null)
    {
        var options = RedisUrl.Parse(redisUrl);
        options.ClientName = "pool-producer";
        options.AbortOnConnectFail = false;
        return new Producer(await RedisConnector.ConnectAsync(options).ConfigureAwait(false), ns, ReplicaConfirmation.FromUrl(redisUrl));
    }

    /// <summary>
    /// Enqueues {"class":jobClass,"args":[...]} on <paramref name="queue"/>. Returns the queue
    /// length afterwards: 0 when an idle worker was handed the job at once.
    /// </summary>
    public Task<long> EnqueueAsync(string queue, string jobClass, params object?[] args) =>
        EnqueueRawAsync(queue, PayloadCodec.Encode(jobClass, args));

    /// <summary>Typed form: the class name is the job type's name (or its [Job] name, given by the caller's registry).</summary>
    public Task<long> EnqueueAsync<TJob>(string queue, params object?[] args) =>
        EnqueueAsync(queue, JobNames.Of(typeof(TJob)), args);

    /// <summary>Enqueues an already encoded payload, byte for byte.</summary>
    public async Task<long> EnqueueRawAsync(string queue, string payload)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        // The time is for the record of an idle worker that is handed the job in the same script.
        var now = DateTimeOffset.UtcNow;
        var r = await Confirmation.RunAsync(_db, PoolScripts.Enqueue,
            [Keys.Namespace, queue, payload, PoolScripts.WakeBound, ResqueTime.Iso(now)]).ConfigureAwait(false);
        return (long)r;
    }

    /// <summary>How many payloads one enqueue_many script call carries: well under Lua's unpack limit, and short enough not to stall Redis.</summary>
    public const int ManyChunk = 1000;

    /// <summary>
    /// Enqueues already encoded payloads in order, <see cref="ManyChunk"/> per script call, with
    /// every call pipelined (sent before any reply is awaited): for bulk loads, where one round
    /// trip per job would make the producer the bottleneck. Each call is atomic; the whole batch
    /// is not. Returns the queue length after the last call.
    /// </summary>
    public async Task<long> EnqueueManyRawAsync(string queue, IReadOnlyList<string> payloads)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(queue);
        if (payloads.Count == 0) return 0;
        // The first call is awaited: if Redis does not know the script yet, its EVAL fallback
        // loads it, so the pipelined calls after it cannot fall back out of order.
        var length = (long)await ScriptRunner.RunAsync(_db, PoolScripts.EnqueueMany, ManyArgs(queue, payloads, 0)).ConfigureAwait(false);
        var calls = new List<Task<RedisResult>>();
        for (var start = ManyChunk; start < payloads.Count; start += ManyChunk)
            calls.Add(ScriptRunner.RunAsync(_db, PoolScripts.EnqueueMany, ManyArgs(queue, payloads, start)));
        var results = await Task.WhenAll(calls).ConfigureAwait(false);
        // One WAIT covers every call before it on this connection.
        await Confirmation.ConfirmAsync(_db).ConfigureAwait(false);
        return results.Length == 0 ? length : (long)results[^1];
    }

    private RedisValue[] ManyArgs(string queue, IReadOnlyList<string> payloads, int start)
    {
        var count = Math.Min(ManyChunk, payloads.Count - start);
        var argv = new RedisValue[3 + count];
        argv[0] = Keys.Namespace;
        argv[1] = queue;
        argv[2] = PoolScripts.WakeBound;
        for (var i = 0; i < count; i++) argv[3 + i] = payloads[start + i];
        return argv;
    }

    public async ValueTask DisposeAsync()
    {
        if (_owned is not null) await _owned.DisposeAsync().ConfigureAwait(false);
    }
}
