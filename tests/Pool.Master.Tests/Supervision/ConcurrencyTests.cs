using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>pool-master with a group of `concurrency: 3`: the worker's lanes are vouched for, recovered and recycled together.</summary>
public sealed class ConcurrencyTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private const int Lanes = 3;
    private readonly string _ns = RedisServer.NewNamespace();
    private ResqueKeys Keys => new(_ns);
    private IDatabase Db => redis.Server.Db;
    private Producer Producer => new(redis.Server.Connection, _ns);

    private async Task<string[]> Queue() => (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!).ToArray();

    /// <summary>
    /// The three ways a worker gets its lanes. Before GroupConcurrency.Resolve the master knew only
    /// the key: with the command's flag or an inherited POOL_CONCURRENCY it recovered lane 0 alone,
    /// and the jobs of lanes 1 and 2 waited for their 15 s lease.
    /// </summary>
    [Theory(Timeout = 60_000)]
    [InlineData("key")]
    [InlineData("command")]
    [InlineData("environment")]
    public async Task Kill_9_of_a_worker_with_three_lanes_has_all_three_jobs_requeued_at_once_by_the_master(string given)
    {
        var yaml = given switch
        {
            "key" => "q:\n  count: 1\n  concurrency: 3\n",
            "command" => $"q:\n  count: 1\n  command: {Artifacts.PoolWorker} --concurrency {Lanes}\n",
            _ => "q: 1\n",
        };
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, yaml,
            given == "environment" ? new Dictionary<string, string?> { ["POOL_CONCURRENCY"] = $"{Lanes}" } : null);
        var ids = await master.WaitForWorkersAsync(Db, Lanes);
        var pid = WorkerIdentity.Parse(ids[0]).Pid!.Value;
        Assert.Equal(WorkerIdentity.Lanes(pid, "q", Lanes).Order(), ids.Order());
        for (var i = 0; i < Lanes; i++) await Producer.EnqueueRawAsync("q", $$"""{"class":"Sleep","args":[60],"n":{{i}}}""");
        await Wait.UntilAsync(async () => (await Queue()).Length == 0 && master.Process.CountLines("Job started Sleep") == Lanes, TimeSpan.FromSeconds(15), "three jobs running in one worker");

        // Paused, so the replacement (ready some 200 ms after the kill) cannot take the jobs before
        // the test sees them back: under load it did, and the queue was never seen holding three.
        var pause = new Pool.Protocol.Admin.PauseControl(Db, Keys);
        await pause.PauseQueuesAsync(["q"]);
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Syscall.kill(pid, Signum.SIGKILL));
        // Far sooner than the 15 s lease: the master saw its child die and recovered every lane.
        await Wait.UntilAsync(async () => (await Queue()).Length == Lanes, TimeSpan.FromSeconds(5), "all three jobs back in their queue");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"recovery took {clock.Elapsed}");
        Assert.All(await Queue(), p => Assert.Contains("\"pool_attempts\":1", p));
        foreach (var id in ids) Assert.False(await Db.KeyExistsAsync(Keys.InFlight(id)));
        // The master logs each recovery once its reply is in, which may be a moment after Redis shows it.
        Wait.Until(() => master.Process.CountLines($"recovered the job of dead worker {pid}: requeued Sleep on q") == Lanes, TimeSpan.FromSeconds(5), "one recovery line per lane");
        // The replacement's lanes take the jobs again once the queue is resumed.
        await master.WaitForWorkersAsync(Db, Lanes);
        await pause.ResumeQueuesAsync(["q"]);
        await Wait.UntilAsync(async () => (await Queue()).Length == 0, TimeSpan.FromSeconds(15), "the replacement to take the jobs");
    }

    [Fact(Timeout = 60_000)]
    public async Task Http_status_shows_the_job_of_every_lane()
    {
        var port = RedisServer.FreePort();
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 1\n  concurrency: 3\n",
            new Dictionary<string, string?> { ["POOL_HTTP"] = "127.0.0.1:" + port.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        await master.WaitForWorkersAsync(Db, Lanes);
        for (var i = 0; i < Lanes; i++) await Producer.EnqueueAsync("q", "Sleep", 60);
        await Wait.UntilAsync(async () => (await Queue()).Length == 0 && master.Process.CountLines("Job started Sleep") == Lanes, TimeSpan.FromSeconds(15), "three jobs running in one worker");

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Before, only the first lane's job was shown.
        System.Text.Json.JsonElement worker = default;
        await Wait.UntilAsync(async () =>
        {
            using var doc = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync($"http://127.0.0.1:{port}/status"));
            worker = doc.RootElement.GetProperty("workers")[0].Clone();
            return worker.GetProperty("jobs").GetArrayLength() == Lanes;
        }, TimeSpan.FromSeconds(10), "all three lanes' jobs in /status");
        Assert.Equal("Sleep", worker.GetProperty("job").GetProperty("class").GetString());
    }

    [Fact(Timeout = 60_000)]
    public async Task Status_counts_a_process_lanes_as_workers_on_one_host()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 1\n  concurrency: 3\n");
        await master.WaitForWorkersAsync(Db, Lanes);

        var text = new Pool.Master.Tests.Ops.PoolMasterCli(redis.Server.Url, _ns).Run("status").Output;

        // Lanes are "host~1", "host~2": the same machine, not hosts of their own.
        Assert.Contains($"{Lanes} workers on 1 host,", text);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_worker_over_its_memory_limit_is_recycled_only_after_every_lane_finished_its_job()
    {
        // One lane's Hog holds 150 MB plus the runtime's own: over 120 MB, under twice that, so QUIT.
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 1\n  concurrency: 3\n  memory_limit_mb: 120\n");
        await master.WaitForWorkersAsync(Db, Lanes);
        await Producer.EnqueueRawAsync("q", """{"class":"Sleep","args":[3]}""");
        await Producer.EnqueueRawAsync("q", """{"class":"Sleep","args":[3]}""");
        await Producer.EnqueueRawAsync("q", """{"class":"Hog","args":[150,3]}""");

        master.Process.WaitForLine("recycling it gently", TimeSpan.FromSeconds(20));
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(Keys.StatProcessed) == Lanes, TimeSpan.FromSeconds(20), "the three jobs to finish");
        master.Process.WaitForLine("stopped on QUIT", TimeSpan.FromSeconds(10));
        Assert.Equal(0, master.Process.CountLines("outcome=requeued"));
        Assert.Empty(await Queue());
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Failed));
    }

    public void Dispose() { }
}
