using System.Diagnostics;
using Pool.Master.Web;
using Pool.Testing;

namespace Pool.Master.Tests.Web;

/// <summary>The dashboard's connection (also the master's snapshot publisher's) against a Redis that is down.</summary>
public sealed class DashboardRedisTests
{
    [Fact(Timeout = 30_000)]
    public async Task Closing_it_during_its_first_connect_does_not_wait_for_the_connect()
    {
        // Nothing listens there: the client's connect attempts take over a second to give up,
        // and a master stopped in its first second waited for them before its exit line.
        var redis = new DashboardRedis($"redis://127.0.0.1:{RedisServer.FreePort()}");
        var clock = Stopwatch.StartNew();
        await redis.DisposeAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(500), $"took {clock.Elapsed}");
    }
}
