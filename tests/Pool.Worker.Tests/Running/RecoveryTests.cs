using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

[Collection(RedisCollection.Name)]
public sealed class RecoveryTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;
    private Producer Producer => new(redis.Server.Connection, _s.Namespace);
    private RedisMasterStore Store => new(redis.Server.Connection, _s.Namespace) { Lease = TimeSpan.Zero };

    [Fact(Timeout = 30_000)]
    public async Task A_job_of_a_worker_killed_by_sigkill_is_requeued_at_the_head_by_the_master()
    {
        await Producer.EnqueueRawAsync("q", """{"class":"Sleep","args":[30],"id":"a/1"}""");
        await Producer.EnqueueAsync("q", "Noop");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        worker.WaitForLine("Job started Sleep");
        Assert.Equal(worker.WorkerId, Assert.Single(await Store.BusyWorkersAsync([worker.WorkerId, "other:1:q"])));

        worker.Signal(Signum.SIGKILL);
        worker.WaitForExit();
        var outcome = await Store.RecoverWorkerAsync(worker.WorkerId);

        Assert.Equal(new RecoveryOutcome(RecoveryAction.Requeued, "q", "Sleep", 1), outcome);
        Assert.Equal("""{"class":"Sleep","args":[30],"id":"a/1","pool_attempts":1}""", (string?)await Db.ListGetByIndexAsync(_s.Keys.Queue("q"), 0));
        Assert.False(await Db.SetContainsAsync(_s.Keys.Workers, worker.WorkerId));
        Assert.False(await Db.KeyExistsAsync(_s.Keys.Worker(worker.WorkerId)));
        Assert.Equal(RecoveryOutcome.Nothing, await Store.RecoverWorkerAsync(worker.WorkerId)); // idempotent
        Assert.Equal(2, await Db.ListLengthAsync(_s.Keys.Queue("q")));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_killed_workers_job_is_recovered_by_the_lease_expiry_sweep()
    {
        await Producer.EnqueueAsync("q", "Sleep", 30);
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_LEASE"] = "2" });
        worker.WaitForLine("Job started Sleep");
        worker.Signal(Signum.SIGKILL);
        worker.WaitForExit();

        // The lease (POOL_LEASE=2) lasts 2 s after the last refresh; the sweep skips live workers until then.
        await Wait.UntilAsync(async () => await Store.RecoverExpiredAsync() == 1, TimeSpan.FromSeconds(15), "the lease to expire and the sweep to recover");
        Assert.Equal("""{"class":"Sleep","args":[30],"pool_attempts":1}""", (string?)await Db.ListGetByIndexAsync(_s.Keys.Queue("q"), 0));
        Assert.False(await Db.SetContainsAsync(_s.Keys.PoolWorkers, worker.WorkerId));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_job_that_kills_its_worker_three_times_is_failed_as_poison()
    {
        await Producer.EnqueueAsync("q", "Crash");
        RecoveryOutcome? last = null;
        for (var i = 1; i <= 3; i++)
        {
            using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", waitReady: false);
            worker.WaitForExit(15); // Crash SIGKILLs its own worker
            last = await Store.RecoverWorkerAsync(worker.WorkerId);
            Assert.Equal(i, last.Attempts);
        }

        Assert.Equal(RecoveryAction.Poisoned, last!.Action);
        Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Queue("q")));
        var failure = (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!;
        Assert.Contains("\"payload\":{\"class\":\"Crash\",\"args\":[],\"pool_attempts\":3},\"exception\":\"Pool::PoisonJob\"", failure);
        Assert.Contains("poison job: its worker died (or was stopped for memory) 3 times", failure);
    }

    /// <summary>
    /// An exception on a job's own thread ends the worker. .NET used to print "Unhandled
    /// exception." and its stack trace as a dozen raw lines into a JSON log, and abort; now it is
    /// one Fatal JSON event, exit 70, and the job goes back as after any crash.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task An_exception_on_a_jobs_own_thread_ends_the_worker_with_one_json_line_and_the_job_is_recovered()
    {
        await Producer.EnqueueAsync("q", "Crash", "thread");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_LOG_FORMAT"] = "json" });

        Assert.Equal(Pool.Logging.CrashLog.ExitCode, worker.WaitForExit(15));
        var lines = worker.Process.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.All(lines, line => Assert.Equal(System.Text.Json.JsonValueKind.Object, System.Text.Json.JsonDocument.Parse(line).RootElement.ValueKind));
        var crash = Assert.Single(lines, l => l.Contains("Crashing: unhandled", StringComparison.Ordinal));
        Assert.Contains("\"@l\":\"Fatal\"", crash);
        Assert.Contains("thrown on the Crash job's own thread", crash);
        Assert.DoesNotContain("Unhandled exception", worker.Process.Output);

        var outcome = await Store.RecoverWorkerAsync(worker.WorkerId);
        Assert.Equal(new RecoveryOutcome(RecoveryAction.Requeued, "q", "Crash", 1), outcome);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_worker_whose_master_is_gone_stops_gracefully()
    {
        // Our parent is the test host, so any other pid looks like a master that went away.
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q",
            new Dictionary<string, string?> { ["POOL_MASTER_PID"] = "1" }, waitReady: false);
        Assert.Equal(0, worker.WaitForExit(10));
        Assert.Contains("Master 1 is gone", worker.Process.Output);
        Assert.False(await Db.SetContainsAsync(_s.Keys.Workers, worker.WorkerId));
    }

    public void Dispose() => _s.Dispose();
}
