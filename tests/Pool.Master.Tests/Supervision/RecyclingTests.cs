using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>pool-master supervising real pool-worker processes on a real Redis: max_jobs and memory_limit_mb.</summary>
public sealed class RecyclingTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _ns = RedisServer.NewNamespace();
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-recycle").FullName;
    private IDatabase Db => redis.Server.Db;
    private string File => Path.Combine(_dir, "lines.txt");

    private TestProcess StartMaster(string yaml)
    {
        var config = Path.Combine(_dir, "pool.yml");
        System.IO.File.WriteAllText(config, yaml);
        return TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", config, "-w", Artifacts.PoolWorker], PoolEnvironment.For(redis.Server.Url, _ns, new Dictionary<string, string?>
        {
            ["TERM_TIMEOUT"] = "5",
            ["RESQUE_TERM_TIMEOUT"] = null,
            ["DYNO"] = null,
        }), _dir);
    }

    private Task Enqueue(string payload) => new Pool.Protocol.Producing.Producer(redis.Server.Connection, _ns).EnqueueRawAsync("q", payload);

    private string[] Lines() => System.IO.File.Exists(File) ? System.IO.File.ReadAllLines(File) : [];

    [Fact(Timeout = 40_000)]
    public async Task A_worker_exits_after_max_jobs_and_the_master_replaces_it_without_backoff()
    {
        using var master = StartMaster("q:\n  count: 1\n  max_jobs: 2\n");
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        for (var i = 0; i < 5; i++) await Enqueue($$"""{"class":"Record","args":[{{Pool.Protocol.Payloads.ResqueJson.Quote(File)}},"r{{i}}"]}""");

        await Wait.UntilAsync(() => Lines().Length == 5, TimeSpan.FromSeconds(20), "all five jobs done");
        master.WaitForLine("max_jobs=2 reached");
        await Wait.UntilAsync(() => master.CountLines("recycled itself") >= 2, TimeSpan.FromSeconds(10), "two recycles");
        Assert.Equal(["r0", "r1", "r2", "r3", "r4"], Lines());
        Assert.Equal(0, master.CountLines("crash-looping"));
        Assert.Equal(0, master.CountLines("exited with code") + master.CountLines("was killed by"));
        // The last ack can land just after the last line is written.
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync($"{_ns}:stat:processed") == 5, because: "five jobs acked");
    }

    [Fact(Timeout = 40_000)]
    public async Task A_worker_over_its_memory_limit_finishes_its_job_then_is_replaced()
    {
        using var master = StartMaster("q:\n  count: 1\n  memory_limit_mb: 220\n");
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        await Enqueue("""{"class":"Hog","args":[200,3]}""");

        master.WaitForLine("recycling it gently", TimeSpan.FromSeconds(10));
        master.WaitForLine("outcome=completed", TimeSpan.FromSeconds(10));
        await Wait.UntilAsync(() => master.CountLines("Worker ready") >= 2, TimeSpan.FromSeconds(15), "a replacement worker");
        Assert.Equal(0, await Db.ListLengthAsync($"{_ns}:queue:q"));
        Assert.Equal(0, (long)await Db.StringGetAsync($"{_ns}:stat:failed"));
        Assert.Equal(0, master.CountLines("over twice its limit"));
    }

    [Fact(Timeout = 40_000)]
    public async Task A_worker_far_over_its_memory_limit_is_stopped_with_term_and_its_job_requeued()
    {
        using var master = StartMaster("q:\n  count: 1\n  memory_limit_mb: 150\n");
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        await Enqueue("""{"class":"Hog","args":[400,30]}""");

        master.WaitForLine("over twice its limit", TimeSpan.FromSeconds(15));
        master.WaitForLine("outcome=requeued (cancelled by shutdown)", TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
