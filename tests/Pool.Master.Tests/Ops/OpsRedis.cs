using Pool.Testing;

namespace Pool.Master.Tests.Ops;

[CollectionDefinition(Name)]
public sealed class OpsRedis : ICollectionFixture<RedisFixture>
{
    public const string Name = "ops-redis";
}

/// <summary>Runs the published pool-master with one command against one namespace, bounded by a timeout.</summary>
public sealed class PoolMasterCli(string redisUrl, string ns)
{
    public (int Code, string Output) Run(params string[] args)
    {
        using var process = TestProcess.Start(Artifacts.PoolMaster, args,
            new Dictionary<string, string?> { ["REDIS_URL"] = redisUrl, ["POOL_NAMESPACE"] = ns });
        var code = process.WaitForExit(TimeSpan.FromSeconds(20));
        return (code, process.Output);
    }
}
