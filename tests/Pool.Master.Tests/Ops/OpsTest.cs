using Pool.Protocol.Keys;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Ops;

/// <summary>An operator's-command test: the published pool-master against the ops Redis, in a namespace of its own.</summary>
[Collection(OpsRedis.Name)]
public abstract class OpsTest(RedisFixture redis, string prefix)
{
    protected RedisFixture Redis { get; } = redis;
    protected string Ns { get; } = RedisServer.NewNamespace(prefix);
    protected ResqueKeys Keys => new(Ns);
    protected IDatabase Db => Redis.Server.Db;
    protected PoolMasterCli Cli => new(Redis.Server.Url, Ns);
}
