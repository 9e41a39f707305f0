using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests;

/// <summary>A test on the shared redis-server, isolated in a key namespace of its own.</summary>
[Collection(RedisCollection.Name)]
public abstract class NamespacedTest(RedisFixture redis)
{
    protected RedisFixture Redis { get; } = redis;
    protected string Ns { get; } = RedisServer.NewNamespace();
    protected ResqueKeys Keys => new(Ns);
    protected IDatabase Db => Redis.Server.Db;
    protected Producer Producer => new(Redis.Server.Connection, Ns);
    /// <summary>A master store whose sweeps trust expired leases at once (no lease to wait out after trouble).</summary>
    protected RedisMasterStore Master => new(Redis.Server.Connection, Ns) { MaxAttempts = 3, Lease = TimeSpan.Zero };

    /// <summary>A worker <paramref name="id"/> of <paramref name="queues"/>, registered as pool-worker registers at start.</summary>
    protected async Task<Pool.Protocol.Working.WorkerStore> WorkerAsync(string id, params string[] queues)
    {
        var w = new Pool.Protocol.Working.WorkerStore(Db, Keys, id, queues);
        await w.RegisterAsync();
        return w;
    }
}
