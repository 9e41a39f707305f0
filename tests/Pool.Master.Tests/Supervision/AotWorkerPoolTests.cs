using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>
/// A pool whose group runs a Native AOT worker app (samples/Pool.Samples.AotWorker, the sample
/// jobs built into pool-worker's loop) as its `command:`: the master supervises it as it does
/// pool-worker, recovering the job of one killed with -9 and respawning it.
/// </summary>
public sealed class AotWorkerPoolTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _ns = RedisServer.NewNamespace();
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-aot").FullName;
    private ResqueKeys Keys => new(_ns);
    private IDatabase Db => redis.Server.Db;

    [Fact(Timeout = 60_000)]
    public async Task A_killed_aot_worker_has_its_job_requeued_and_its_replacement_runs_it()
    {
        var config = Path.Combine(_dir, "pool.yml");
        File.WriteAllText(config, $"q:\n  count: 1\n  command: \"{Artifacts.AotSamplesWorker}\"\n");
        var file = Path.Combine(_dir, "runs.txt");
        using var master = TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", config],
            PoolEnvironment.For(redis.Server.Url, _ns, new Dictionary<string, string?> { ["POOL_JOBS"] = null, ["TERM_TIMEOUT"] = "10" }), _dir);
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        var victim = ProcFs.Children(master.Pid).Single(ProcFs.IsAlive);

        // RecordSpan appends its line when it ends: the killed run leaves none.
        await new Producer(redis.Server.Connection, _ns).EnqueueAsync("q", "RecordSpan", file, "once", 1500);
        master.WaitForLine("Job started RecordSpan", TimeSpan.FromSeconds(10));
        Assert.Equal(0, Syscall.kill(victim, Signum.SIGKILL));

        master.WaitForLine($"recovered the job of dead worker {victim}: requeued RecordSpan on q", TimeSpan.FromSeconds(10));
        await Wait.UntilAsync(() => File.Exists(file) && File.ReadAllLines(file).Length == 1, TimeSpan.FromSeconds(20), "the replacement to run the requeued job");
        Assert.StartsWith("once ", File.ReadAllLines(file)[0], StringComparison.Ordinal);
        var replacement = ProcFs.Children(master.Pid).Single(ProcFs.IsAlive);
        Assert.NotEqual(victim, replacement);
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(Keys.StatProcessed) == 1, because: "the replacement's ack");

        master.Signal(Signum.SIGTERM);
        Assert.Equal(0, master.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.False(ProcFs.IsAlive(replacement));
        Assert.Equal(0, await Db.SetLengthAsync(Keys.Workers));
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
