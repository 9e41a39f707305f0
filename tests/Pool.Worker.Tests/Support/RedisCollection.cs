using Pool.Testing;

namespace Pool.Worker.Tests.Support;

/// <summary>One redis-server for the assembly's process tests; each test takes its own namespace.</summary>
[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
