using Mono.Unix.Native;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Scheduling;

/// <summary>
/// The scheduler inside real pool-master processes against a real Redis: delivery on time,
/// one leader among competitors, takeover after kill -9, release on TERM, and no job lost or
/// doubled when the leader dies in the middle of moving a big second.
/// </summary>
public sealed class SchedulerProcessTests(RedisFixture redis) : OpsTest(redis, "sched"), IDisposable
{
    private readonly List<PoolMasterProcess> _masters = [];
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"pool-sched-{Guid.NewGuid():N}.txt");
    private SchedulerKeys SKeys => new(Ns);
    private DelayedQueue Delayed => new(Db, SKeys);

    /// <summary>Short lease and poll so takeovers fit a test; small batches so a kill lands mid-move.</summary>
    private PoolMasterProcess StartMaster(string yaml = "q: 0\n", string batch = "1000") =>
        Started(PoolMasterProcess.Start(Redis.Server.Url, Ns, yaml, new Dictionary<string, string?>
        {
            ["POOL_SCHEDULER_LEASE"] = "3",
            ["POOL_SCHEDULER_POLL"] = "0.5",
            ["POOL_SCHEDULER_BATCH"] = batch,
        }));

    private PoolMasterProcess Started(PoolMasterProcess master)
    {
        _masters.Add(master);
        return master;
    }

    private async Task<string> HolderAsync() => (string?)await Db.StringGetAsync(SKeys.MasterLock()) ?? "";

    private async Task<int> LeaderPidAsync(TimeSpan timeout)
    {
        var pid = 0;
        await Wait.UntilAsync(async () => int.TryParse((await HolderAsync()).Split(':').Last(), out pid), timeout, "a master to take the scheduler lease");
        return pid;
    }

    [Fact(Timeout = 60_000)]
    public async Task A_job_scheduled_two_seconds_ahead_runs_on_an_idle_worker_right_at_its_second()
    {
        var master = StartMaster("q: 1\n");
        await master.WaitForWorkersAsync(Db, 1);
        await LeaderPidAsync(TimeSpan.FromSeconds(10));

        var job = await Delayed.EnqueueInAsync(TimeSpan.FromSeconds(2), "q", "Record", _file, "on-time");
        await Wait.UntilAsync(() => File.Exists(_file) && File.ReadAllText(_file).Contains("on-time"), TimeSpan.FromSeconds(10), "the delayed job to run");

        // The file's write time is when the job ran. 100 ms is the design target (bench/ measures
        // it); a loaded 2-core test machine gets a generous bound.
        var late = new DateTimeOffset(File.GetLastWriteTimeUtc(_file)) - job.Due;
        Assert.InRange(late.TotalMilliseconds, 0, 1000);
    }

    [Fact(Timeout = 90_000)]
    public async Task Two_masters_elect_one_leader_and_the_other_takes_over_within_seconds_of_a_kill_9()
    {
        var a = StartMaster();
        var b = StartMaster();
        var leaderPid = await LeaderPidAsync(TimeSpan.FromSeconds(10));
        Assert.Contains(leaderPid, new[] { a.Process.Pid, b.Process.Pid });
        var (leader, follower) = leaderPid == a.Process.Pid ? (a, b) : (b, a);
        await Wait.UntilAsync(() => follower.Process.Output.Contains("this master follows"), TimeSpan.FromSeconds(10), "the other master to follow");

        var due = DateTimeOffset.UtcNow.AddSeconds(1);
        for (var i = 0; i < 100; i++) await Delayed.EnqueueAtAsync(due.AddMilliseconds(i * 10), "q", "Noop", i);
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("q")) == 100, TimeSpan.FromSeconds(10), "100 jobs in the queue");

        leader.Process.Signal(Signum.SIGKILL);
        var killedAt = DateTimeOffset.UtcNow;
        await Wait.UntilAsync(async () => (await HolderAsync()).EndsWith(":" + follower.Process.Pid), TimeSpan.FromSeconds(15), "the follower to take over");
        // Lease 3 s + poll 0.5 s, with room for a loaded machine.
        Assert.InRange((DateTimeOffset.UtcNow - killedAt).TotalSeconds, 0, 8);

        await Delayed.EnqueueInAsync(TimeSpan.FromSeconds(1), "q", "Noop", "after");
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("q")) == 101, TimeSpan.FromSeconds(10), "the new leader to move a job");
        var queued = (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!).ToList();
        Assert.Equal(101, queued.Distinct().Count());
    }

    [Fact(Timeout = 60_000)]
    public async Task A_clean_stop_releases_the_lease_so_the_next_master_leads_at_once()
    {
        var first = StartMaster();
        Assert.Equal(first.Process.Pid, await LeaderPidAsync(TimeSpan.FromSeconds(10)));
        var second = StartMaster();
        await Wait.UntilAsync(() => second.Process.Output.Contains("this master follows"), TimeSpan.FromSeconds(10), "the second master to follow");

        first.Process.Signal(Signum.SIGTERM);
        Assert.Equal(0, first.Process.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("scheduler: lease released", first.Process.Output);
        var exitLine = first.Process.Lines.Last(l => l.Length > 0);
        Assert.Contains("pool-master exiting", exitLine);
        // Well inside the 3 s lease: it was released, not left to lapse.
        await Wait.UntilAsync(async () => (await HolderAsync()).EndsWith(":" + second.Process.Pid), TimeSpan.FromSeconds(2.5), "the second master to lead");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_ruby_scheduler_holding_the_lock_keeps_pool_from_moving_until_it_lets_go()
    {
        await Db.StringSetAsync(SKeys.MasterLock(), "ruby-host:4242", TimeSpan.FromSeconds(180));
        var master = StartMaster();
        await Delayed.EnqueueAtAsync(DateTimeOffset.UtcNow, "q", "Noop");
        await Delayed.EnqueueAtAsync(DateTimeOffset.UtcNow.AddSeconds(1), "q", "Noop", 1);

        await Task.Run(() => master.Process.WaitForLine("lease held by ruby-host:4242"));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));

        await Db.KeyDeleteAsync(SKeys.MasterLock());
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("q")) == 2, TimeSpan.FromSeconds(5), "Pool to move both due jobs once the lock is free");
    }

    [Fact(Timeout = 120_000)]
    public async Task Ten_thousand_jobs_due_in_one_second_all_arrive_exactly_once_though_the_leader_is_killed_mid_move()
    {
        const int count = 10_000;
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3;
        var writes = Enumerable.Range(0, count).Select(i => Delayed.EnqueueAtAsync(DateTimeOffset.FromUnixTimeSeconds(at), "bulk", "Noop", i));
        await Task.WhenAll(writes);
        var expected = (await Db.ListRangeAsync(SKeys.Bucket(at))).Select(v => ((string)v!).Replace(",\"queue\":\"bulk\"", "")).ToList();
        Assert.Equal(count, expected.Count);

        // Batches of 20: about 500 atomic moves, so the kill lands between two of them.
        var a = StartMaster(batch: "20");
        var b = StartMaster(batch: "20");
        var leaderPid = await LeaderPidAsync(TimeSpan.FromSeconds(10));
        var (leader, follower) = leaderPid == a.Process.Pid ? (a, b) : (b, a);
        // A tight loop, not Wait's 10 ms steps: the whole move takes a fraction of a second.
        var deadline = DateTimeOffset.UtcNow.AddSeconds(15);
        while (await Db.ListLengthAsync(Keys.Queue("bulk")) == 0)
            Assert.True(DateTimeOffset.UtcNow < deadline, "the move did not start");
        leader.Process.Signal(Signum.SIGKILL);
        var movedAtKill = await Db.ListLengthAsync(Keys.Queue("bulk"));

        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("bulk")) == count, TimeSpan.FromSeconds(30), $"all {count} jobs in the queue (had {movedAtKill} at the kill)");
        var queued = (await Db.ListRangeAsync(Keys.Queue("bulk"))).Select(v => (string)v!).ToList();
        Assert.Equal(count, queued.Distinct().Count());
        Assert.Equal(expected, queued);
        Assert.Equal(0, await Db.SortedSetLengthAsync(SKeys.Schedule));
        Assert.False(await Db.KeyExistsAsync(SKeys.Bucket(at)));
        Assert.False(await Db.KeyExistsAsync(SKeys.Timestamps("{\"class\":\"Noop\",\"args\":[0],\"queue\":\"bulk\"}")));
        Assert.Contains(":" + follower.Process.Pid, await HolderAsync());
    }

    public void Dispose()
    {
        foreach (var m in _masters) m.Dispose();
        File.Delete(_file);
    }
}

/// <summary>The scheduler on a Redis of its own that restarts from its AOF in the middle of a big move.</summary>
public sealed class SchedulerRedisRestartTests : IDisposable
{
    private readonly RedisServer _redis = RedisServer.Start(appendOnly: true);
    private readonly string _ns = RedisServer.NewNamespace("aof");
    private PoolMasterProcess? _master;

    [Fact(Timeout = 120_000)]
    public async Task A_redis_restart_from_its_aof_mid_move_neither_loses_nor_doubles_a_delayed_job()
    {
        const int count = 3000;
        var keys = new SchedulerKeys(_ns);
        var delayed = new DelayedQueue(_redis.Db, keys);
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2;
        await Task.WhenAll(Enumerable.Range(0, count).Select(i => delayed.EnqueueAtAsync(DateTimeOffset.FromUnixTimeSeconds(at), "bulk", "Noop", i)));
        // The order the bucket holds (concurrent first calls may reach Redis out of order), less the "queue" field.
        var expected = (await _redis.Db.ListRangeAsync(keys.Bucket(at))).Select(v => ((string)v!).Replace(",\"queue\":\"bulk\"", "")).ToList();
        _master = PoolMasterProcess.Start(_redis.Url, _ns, "q: 0\n", new Dictionary<string, string?>
        {
            ["POOL_SCHEDULER_LEASE"] = "3", ["POOL_SCHEDULER_POLL"] = "0.5", ["POOL_SCHEDULER_BATCH"] = "10",
        });
        var queue = new Pool.Protocol.Keys.ResqueKeys(_ns).Queue("bulk");
        var deadline = DateTimeOffset.UtcNow.AddSeconds(20);
        while (await _redis.Db.ListLengthAsync(queue) == 0) Assert.True(DateTimeOffset.UtcNow < deadline, "the move did not start");

        _redis.Restart();

        await Wait.UntilAsync(async () =>
        {
            try { return await _redis.Db.ListLengthAsync(queue) == count; }
            catch (StackExchange.Redis.RedisException) { return false; }
        }, TimeSpan.FromSeconds(40), $"all {count} jobs in the queue after the restart. Master:\n{_master.Process.Output}");
        var queued = (await _redis.Db.ListRangeAsync(queue)).Select(v => (string)v!).ToList();
        Assert.Equal(expected, queued);
        Assert.Equal(count, queued.Distinct().Count());
        Assert.Equal(0, await _redis.Db.SortedSetLengthAsync(keys.Schedule));
        // A pass that failed during the restart is followed by one that says Redis is back; a
        // restart quick enough to fall between two passes fails none, and logs neither. The pass
        // that finishes the move logs it only once it returns, after the queue is already full.
        if (_master.Process.Output.Contains("scheduler: pass failed", StringComparison.Ordinal))
            await Wait.UntilAsync(() => _master.Process.Output.Contains("scheduler: Redis answers again", StringComparison.Ordinal),
                TimeSpan.FromSeconds(10), $"a pass failed, and none said Redis answers again. Master:\n{_master.Process.Output}");
    }

    public void Dispose()
    {
        _master?.Dispose();
        _redis.Dispose();
    }
}
