using System.Collections.Concurrent;
using System.Diagnostics;
using Pool.Protocol.Connection;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Connection;

/// <summary>
/// A connection made by <see cref="RedisConnector"/> from a redis+sentinel:// URL, against real
/// redis-server and redis-sentinel processes: it follows the primary the sentinels name within
/// seconds of a SENTINEL FAILOVER (StackExchange.Redis alone waited for the old primary's
/// demotion, 10-14 s), writes nothing to the old primary after that, and lets go of the
/// sentinels when disposed.
/// </summary>
public sealed class SentinelFollowTests(ITestOutputHelper output)
{
    /// <summary>Generous for a loaded 2-core machine; measured well under 2 s after the sentinels switch.</summary>
    private static readonly TimeSpan FollowBound = TimeSpan.FromSeconds(5);

    [Theory(Timeout = 90_000)]
    [InlineData(1)]
    [InlineData(2)]
    public async Task A_connection_moves_to_the_new_primary_within_seconds_of_a_failover_and_writes_there(int replicas)
    {
        using var cluster = await SentinelCluster.StartAsync(replicas);
        var old = cluster.Primary;
        var notices = new ConcurrentQueue<string>();
        await using var redis = await RedisConnector.ConnectAsync(RedisUrl.Parse(cluster.Url), notices.Enqueue);
        Assert.True(RedisConnector.IsSentinel(redis));
        Assert.Equal(1, ReplicaConfirmation.For(redis).Replicas);
        var db = redis.GetDatabase();
        Assert.Equal(old.Port, await PortOfAsync(db));

        var sinceFailover = Stopwatch.StartNew();

        var switching = cluster.FailoverAsync();
        TimeSpan? followedAfter = null;
        while (sinceFailover.Elapsed < TimeSpan.FromSeconds(40))
        {
            try
            {
                if (await PortOfAsync(db) != old.Port)
                {
                    followedAfter = sinceFailover.Elapsed;
                    break;
                }
            }
            catch (RedisException)
            {
                // The socket to the old primary was cut under this call: the move itself.
            }
            await Task.Delay(20);
        }
        var switchedAfter = await switching;
        var next = cluster.Primary;
        Assert.Equal(next.Port, await PortOfAsync(db));
        output.WriteLine($"sentinels switched after {switchedAfter.TotalSeconds:0.00}s; the connection was on the new primary after {followedAfter?.TotalSeconds:0.00}s");
        Assert.NotNull(followedAfter);
        Assert.True(followedAfter <= switchedAfter + FollowBound, $"followed {followedAfter} after SENTINEL FAILOVER; the sentinels switched after {switchedAfter}");
        Assert.Contains(notices, n => n.Contains($"moved from 127.0.0.1:{old.Port} to 127.0.0.1:{next.Port}", StringComparison.Ordinal));

        // Once it follows, writes land on the new primary only: the old one (not yet demoted,
        // still a primary) does not see them.
        var key = "follow:" + Guid.NewGuid().ToString("N");
        await db.StringSetAsync(key, "new");
        Assert.Equal("new", (string?)await next.Db.StringGetAsync(key));
        Assert.False(await old.Db.KeyExistsAsync(key), "a write after the switch reached the old primary");
    }

    [Fact(Timeout = 60_000)]
    public async Task Disposing_the_connection_closes_its_sentinel_connections_too()
    {
        using var cluster = await SentinelCluster.StartAsync();
        var sentinel = cluster.Sentinels[0];
        // This process's own sockets to the sentinel, not the sentinel's client count: the
        // sentinels' links to each other come and go on a loaded machine, so a total is no baseline.
        // The cluster's own health checks hold some (SentinelCluster).
        var before = OwnConnectionsTo(sentinel.Port);
        var redis = await RedisConnector.ConnectAsync(RedisUrl.Parse(cluster.Url));
        Assert.True(OwnConnectionsTo(sentinel.Port) > before, "the connection watches the sentinels");
        await redis.DisposeAsync();
        await Wait.UntilAsync(() => Task.FromResult(OwnConnectionsTo(sentinel.Port) <= before), TimeSpan.FromSeconds(10), "the sentinel connections to close after the Redis connection was disposed",
            describe: () => Task.FromResult($"{OwnConnectionsTo(sentinel.Port)} of this process's connections to the sentinel, {before} before"));
    }

    /// <summary>Established TCP connections of this process to 127.0.0.1:<paramref name="port"/> (its socket inodes matched in /proc/self/net/tcp).</summary>
    private static int OwnConnectionsTo(int port)
    {
        var inodes = Directory.GetFiles("/proc/self/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
            .Where(target => target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            .Select(target => target!["socket:[".Length..^1])
            .ToHashSet();
        var remote = ":" + port.ToString("X4", System.Globalization.CultureInfo.InvariantCulture);
        // Columns: sl, local, remote, state (01 = ESTABLISHED), queues, timer, retransmits, uid, timeout, inode.
        return File.ReadLines("/proc/self/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f[2].EndsWith(remote, StringComparison.Ordinal) && f[3] == "01" && inodes.Contains(f[9]));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_sentinel_that_is_down_does_not_keep_the_connection_from_the_primary()
    {
        using var cluster = await SentinelCluster.StartAsync();
        cluster.Sentinels[2].Stop();
        var options = RedisUrl.Parse(cluster.Url);
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 2000;
        await using var redis = await RedisConnector.ConnectAsync(options);
        Assert.Equal(cluster.Primary.Port, await PortOfAsync(redis.GetDatabase()));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_service_no_sentinel_watches_fails_a_connection_that_must_not_wait()
    {
        using var cluster = await SentinelCluster.StartAsync();
        var options = RedisUrl.Parse(cluster.Url.Replace("/" + SentinelCluster.Service, "/nosuchservice", StringComparison.Ordinal));
        options.AbortOnConnectFail = true;
        var e = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnector.ConnectAsync(options));
        Assert.Contains("names a primary for 'nosuchservice'", e.Message, StringComparison.Ordinal);
    }

    private static async Task<int> PortOfAsync(IDatabase db)
    {
        var reply = (RedisResult[])(await db.ExecuteAsync("CONFIG", "GET", "port"))!;
        return (int)reply[1];
    }
}
