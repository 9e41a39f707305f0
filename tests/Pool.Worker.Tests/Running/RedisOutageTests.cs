using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>Runs on its own redis-server, because it restarts it.</summary>
public sealed class RedisOutageTests() : PrivateRedisTest(appendOnly: true)
{

    [Fact(Timeout = 60_000)]
    public async Task ARedis_restart_in_the_middle_of_a_run_loses_no_job()
    {
        var producer = new Producer(Redis.Connection, S.Namespace);
        for (var i = 0; i < 40; i++) await producer.EnqueueAsync("q", "CountTo", 1, S.File, 25);
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q");
        await Wait.UntilAsync(() => S.Lines().Length >= 5, because: "the run to be under way");

        Redis.Restart();

        await Wait.UntilAsync(() => S.Lines().Length >= 40, TimeSpan.FromSeconds(30), "every job to run at least once");
        await Wait.UntilAsync(async () => await Redis.Db.ListLengthAsync(S.Keys.Queue("q")) == 0, because: "the queue to drain");
        worker.WaitForLine("Redis is unreachable");
        worker.WaitForLine("Redis is reachable again");
        // Counted from the worker's ready line: the restart is the outage this test causes.
        var sinceReady = worker.Process.Output.Split('\n').SkipWhile(l => !l.Contains("Worker ready", StringComparison.Ordinal));
        Assert.True(sinceReady.Count(l => l.Contains("Redis is unreachable", StringComparison.Ordinal)) == 1, "one outage should be reported once:\n" + worker.Process.Output);
        Assert.False(worker.Process.HasExited);
    }

    /// <summary>
    /// The worker names its main connection itself (EarlyConnection: the client's own naming
    /// compiles a regex on the way to the first job), so it must name it again after a reconnect.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task The_main_connection_is_named_pool_worker_in_CLIENT_LIST_before_and_after_a_Redis_restart()
    {
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q");
        worker.WaitForLine("Worker ready");
        async Task<bool> Named() => ((string?)await Redis.Db.ExecuteAsync("CLIENT", "LIST") ?? "").Split('\n').Any(l => l.Contains(" name=pool-worker ", StringComparison.Ordinal));
        await Wait.UntilAsync(Named, because: "a connection named pool-worker");

        Redis.Restart();

        worker.WaitForLine("Redis is reachable again");
        await Wait.UntilAsync(Named, TimeSpan.FromSeconds(10), "the reconnected main connection to be named pool-worker again");
        Assert.False(worker.Process.HasExited);
    }

    [Fact(Timeout = 60_000)]
    public async Task After_quit_a_job_that_ends_during_an_outage_past_term_timeout_is_acked_once_redis_is_back()
    {
        await new Producer(Redis.Connection, S.Namespace).EnqueueAsync("q", "RecordSpan", S.File, "long", 3000);
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q", new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "0.5" });
        worker.WaitForLine("Job started RecordSpan");

        // QUIT has no deadline: the job's ack, due well after TERM_TIMEOUT + 1 s, is retried through the outage.
        worker.Signal(Mono.Unix.Native.Signum.SIGQUIT);
        Redis.Stop();
        await Wait.UntilAsync(() => S.Lines().Length == 1, because: "the job to end while Redis is down");
        worker.WaitForLine("Redis is unreachable");
        await Wait.HoldsForAsync(TimeSpan.FromSeconds(1), () => Task.FromResult(!worker.Process.HasExited), "the worker keeps retrying the ack it owes");
        Redis.Restart();

        Assert.Equal(0, worker.WaitForExit(seconds: 20));
        Assert.Contains("outcome=completed", worker.Process.Output);
        Assert.False(await Redis.Db.KeyExistsAsync(S.Keys.InFlight(worker.WorkerId)));
        Assert.Equal(1, (int)await Redis.Db.StringGetAsync(S.Keys.StatProcessed));
    }

    [Fact(Timeout = 30_000)]
    public async Task An_idle_worker_told_to_stop_while_Redis_is_down_exits_at_once_instead_of_waiting_its_deadline()
    {
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q", new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "20" });
        // Idle means waiting in its BLPOP. Killed earlier (a slow start under load), Redis takes
        // the worker's first reserve with it, which is not abandoned (it may bring a job that must
        // go back) and ends at the client's 5 s timeout: that case is not this test's.
        await Wait.UntilAsync(() => RedisClients.IsBlockedAsync(Redis.Db, "pool-worker-wait", "blpop"), because: "the worker to wait idle");
        Redis.Stop();
        worker.WaitForLine("Redis is unreachable");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        worker.Signal(Mono.Unix.Native.Signum.SIGTERM);
        await Wait.UntilAsync(() => worker.Process.HasExited, TimeSpan.FromSeconds(10), "the idle worker to exit well before its 20 s deadline");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.Equal(0, worker.WaitForExit());
        Assert.Contains("could not leave the registry: Redis is unreachable", worker.Process.Output);
    }

    /// <summary>QUIT too: nothing is held before the registration (it used to log "Received QUIT" and wait on).</summary>
    [Theory(Timeout = 30_000)]
    [InlineData(Mono.Unix.Native.Signum.SIGTERM)]
    [InlineData(Mono.Unix.Native.Signum.SIGQUIT)]
    [InlineData(Mono.Unix.Native.Signum.SIGINT)]
    public void A_worker_that_never_reached_Redis_stops_at_once_on_any_stop(Mono.Unix.Native.Signum signal)
    {
        Redis.Stop();
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q", new Dictionary<string, string?> { ["TERM_TIMEOUT"] = "20" }, waitReady: false);
        // Said at start, in Pool's words, within about a second: the client's connect may wait out
        // its own 5 s timeout first (it does about half the time against a closed port).
        worker.WaitForLine("Redis is unreachable (", seconds: 15);

        // Its connect, or its registration in the client's backlog, waits up to 5 s; the stop abandons either.
        var clock = System.Diagnostics.Stopwatch.StartNew();
        worker.Signal(signal);
        Assert.Equal(0, worker.WaitForExit(seconds: 10));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"took {clock.Elapsed.TotalMilliseconds:0} ms (before: the client's 5 s timeout, then about 1 s of closing)");
        Assert.Contains("Stopped before Redis was reachable", worker.Process.Output);
    }
}
