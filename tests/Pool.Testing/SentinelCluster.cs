using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Pool.Testing;

/// <summary>
/// Redis under Sentinel, all on free loopback ports and all our own processes (never a system
/// service): a primary, one replica (or more) and three sentinels with a quorum of two. It waits
/// until the sentinels agree and know the replicas, can force a failover and wait for the switch,
/// and kills every process when disposed.
/// </summary>
public sealed class SentinelCluster : IDisposable
{
    public const string Service = "mymaster";
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(30);

    private readonly List<RedisServer> _servers = [];
    private readonly List<RedisServer> _sentinels = [];
    private readonly ConnectionMultiplexer _sentinelClient;

    private readonly int _replicas;

    private SentinelCluster(int replicas)
    {
        _replicas = replicas;
        try
        {
            var primary = RedisServer.Start();
            _servers.Add(primary);
            for (var i = 0; i < replicas; i++) _servers.Add(RedisServer.StartReplicaOf(primary.Port));
            for (var i = 0; i < 3; i++) _sentinels.Add(RedisServer.StartSentinel(Service, primary.Port, quorum: 2));
            _sentinelClient = ConnectionMultiplexer.SentinelConnect(
                string.Join(',', _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + ",abortConnect=false,connectRetry=5");
        }
        catch
        {
            Kill();
            throw;
        }
    }

    /// <summary>Starts the cluster and returns once it could fail over (sentinels agree, the replicas are in sync).</summary>
    public static async Task<SentinelCluster> StartAsync(int replicas = 1)
    {
        var cluster = new SentinelCluster(replicas);
        try
        {
            await cluster.WaitHealthyAsync().ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    /// <summary>The REDIS_URL Pool is given: every sentinel, then the service name.</summary>
    public string Url => "redis+sentinel://" + string.Join(',', _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + "/" + Service;

    /// <summary>The same, as a StackExchange.Redis configuration string.</summary>
    public string ConfigurationString => string.Join(',', _sentinels.Select(s => $"127.0.0.1:{s.Port}")) + $",serviceName={Service}";

    public IReadOnlyList<RedisServer> Servers => _servers;

    /// <summary>The server the first sentinel names as primary.</summary>
    public RedisServer Primary => ServerOn(PrimaryPortSeenBy(_sentinels[0]));

    /// <summary>The one replica (of a cluster started with one).</summary>
    public RedisServer Replica => _servers.Single(s => s != Primary);

    public IEnumerable<RedisServer> Replicas => _servers.Where(s => s != Primary);

    /// <summary>The sentinels, for a test that asks them itself.</summary>
    public IReadOnlyList<RedisServer> Sentinels => _sentinels;

    private RedisServer ServerOn(int port) => _servers.Single(s => s.Port == port);

    private int PrimaryPortSeenBy(RedisServer sentinel) =>
        ((IPEndPoint)(SentinelServer(sentinel).SentinelGetMasterAddressByName(Service)
            ?? throw new InvalidOperationException("sentinel knows no primary"))).Port;

    private IServer SentinelServer(RedisServer sentinel) => _sentinelClient.GetServer("127.0.0.1", sentinel.Port);

    /// <summary>Every sentinel sees the primary, the other two sentinels and every replica with its link up.</summary>
    public Task WaitHealthyAsync() => Wait.UntilAsync(IsHealthyAsync, Settle, $"the sentinels to agree on a primary with {_replicas} healthy replica(s)");

    private async Task<bool> IsHealthyAsync()
    {
        try
        {
            foreach (var sentinel in _sentinels)
            {
                var server = SentinelServer(sentinel);
                var master = (await server.SentinelMasterAsync(Service).ConfigureAwait(false)).ToDictionary(kv => kv.Key, kv => kv.Value);
                if (master.GetValueOrDefault("flags") != "master" || master.GetValueOrDefault("num-other-sentinels") != "2") return false;
                var replicas = await server.SentinelReplicasAsync(Service).ConfigureAwait(false);
                var healthy = replicas.Select(r => r.ToDictionary(kv => kv.Key, kv => kv.Value))
                    .Count(r => r.GetValueOrDefault("flags") == "slave" && r.GetValueOrDefault("master-link-status") == "ok");
                if (healthy != _replicas) return false;
            }
            var primary = Primary;
            foreach (var replica in Replicas)
            {
                var replicaInfo = (string?)await replica.Db.ExecuteAsync("INFO", "replication").ConfigureAwait(false) ?? "";
                if (!replicaInfo.Contains($"master_port:{primary.Port}", StringComparison.Ordinal)
                    || !replicaInfo.Contains("master_link_status:up", StringComparison.Ordinal)) return false;
            }
            // The primary counts a replica (for WAIT) only from its first REPLCONF ACK, up to a
            // second after the replica reports its link up.
            var primaryInfo = (string?)await primary.Db.ExecuteAsync("INFO", "replication").ConfigureAwait(false) ?? "";
            return primaryInfo.Split('\n').Count(line => line.Contains("state=online", StringComparison.Ordinal)) == _replicas;
        }
        catch (Exception e) when (e is RedisException or InvalidOperationException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>
    /// SENTINEL FAILOVER, then waits until every sentinel names the same replica as primary and it
    /// says so itself. The old primary goes on taking writes until the sentinels demote it a few
    /// seconds later; <see cref="WaitHealthyAsync"/> waits for that too. Returns the time the switch took.
    /// </summary>
    public async Task<TimeSpan> FailoverAsync()
    {
        var old = Primary;
        RedisServer? next = null;
        var clock = Stopwatch.StartNew();
        await RequestFailoverAsync().ConfigureAwait(false);
        var requested = Stopwatch.StartNew();
        await Wait.UntilAsync(async () =>
        {
            try
            {
                var named = _sentinels.Select(PrimaryPortSeenBy).Distinct().ToList();
                // A sentinel gives an accepted failover up after failover-timeout (4 s here), for
                // example when the replica was slow to confirm its promotion on a loaded machine;
                // then, and only while every sentinel still names the old primary, it is asked again.
                if (named.All(port => port == old.Port) && requested.Elapsed > 2 * FailoverTimeout)
                {
                    await TryFailoverOnceAsync().ConfigureAwait(false);
                    requested.Restart();
                }
                if (named.Count != 1 || named[0] == old.Port) return false;
                next = ServerOn(named[0]);
                var role = await next.Db.ExecuteAsync("ROLE").ConfigureAwait(false);
                return (string?)((RedisResult[])role!)[0] == "master";
            }
            catch (Exception e) when (e is RedisException or InvalidOperationException or TimeoutException)
            {
                return false;
            }
        }, Settle, $"the sentinels to switch from {old.Port} to a replica").ConfigureAwait(false);
        return clock.Elapsed;
    }

    /// <summary>The failover-timeout every sentinel of the cluster is configured with (RedisServer.StartSentinel).</summary>
    private static readonly TimeSpan FailoverTimeout = TimeSpan.FromSeconds(4);

    private Task RequestFailoverAsync() => Wait.UntilAsync(TryFailoverOnceAsync, Settle, "SENTINEL FAILOVER to be accepted");

    /// <summary>One SENTINEL FAILOVER; false when a failover is in progress or no replica is good yet.</summary>
    private async Task<bool> TryFailoverOnceAsync()
    {
        try
        {
            await SentinelServer(_sentinels[0]).SentinelFailoverAsync(Service).ConfigureAwait(false);
            return true;
        }
        catch (RedisServerException e) when (e.Message.Contains("INPROG", StringComparison.Ordinal) || e.Message.Contains("NOGOODSLAVE", StringComparison.Ordinal))
        {
            return false;
        }
    }

    private void Kill()
    {
        foreach (var process in _sentinels.Concat(_servers)) process.Dispose();
    }

    public void Dispose()
    {
        _sentinelClient?.Dispose();
        Kill();
    }
}
