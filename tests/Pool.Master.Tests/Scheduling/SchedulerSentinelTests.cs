using System.Diagnostics;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>
/// The master's scheduler on a Sentinel REDIS_URL follows a failover as the workers do. On
/// StackExchange.Redis's own Sentinel support it went on reading and writing the old primary
/// until Sentinel demoted it (about 10 s): a job that came due meanwhile waited, and whatever
/// it moved there was discarded with the old primary's data.
/// </summary>
public sealed class SchedulerSentinelTests
{
    /// <summary>How soon after the sentinels switch a job due at once is in its queue on the new primary (measured: about a second).</summary>
    private static readonly TimeSpan MoveBound = TimeSpan.FromSeconds(5);

    [Fact(Timeout = 90_000)]
    public async Task After_a_failover_the_scheduler_moves_due_jobs_on_the_new_primary_within_seconds()
    {
        using var cluster = await SentinelCluster.StartAsync(replicas: 2);
        var ns = RedisServer.NewNamespace("schedsentinel");
        var keys = new SchedulerKeys(ns);
        using var master = PoolMasterProcess.Start(cluster.Url, ns, "q: 0\n", new Dictionary<string, string?>
        {
            ["POOL_SCHEDULER_LEASE"] = "3",
            ["POOL_SCHEDULER_POLL"] = "0.5",
        });
        var old = cluster.Primary;
        await Wait.UntilAsync(async () => (await old.Db.StringGetAsync(keys.MasterLock())).HasValue, TimeSpan.FromSeconds(20), "the master's scheduler to take its lease", () => Task.FromResult(master.Process.Output));

        await cluster.FailoverAsync();
        var next = cluster.Primary;
        Assert.NotEqual(old.Port, next.Port);
        var sinceSwitch = Stopwatch.StartNew();
        await new DelayedQueue(next.Db, keys, null).EnqueueAtAsync(DateTimeOffset.UtcNow, "q", "Noop", 1);
        try
        {
            await Wait.UntilAsync(async () => await next.Db.ListLengthAsync($"{ns}:queue:q") == 1, MoveBound, "the due job in its queue on the new primary");
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"the scheduler did not move the due job on the new primary within {MoveBound}; master output:\n{string.Join('\n', master.Process.Lines.TakeLast(30))}");
        }
        Assert.True(sinceSwitch.Elapsed < MoveBound);
    }
}
