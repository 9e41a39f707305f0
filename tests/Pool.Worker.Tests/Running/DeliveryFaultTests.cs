using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// The delivery rules under real faults, each on a redis-server of its own (AOF, appendfsync
/// always): a worker holds only the job it runs, its ack travels with its next reserve, a master
/// vouches for its stopped children, and a bare worker swept while stopped gives its job up.
/// </summary>
public sealed class DeliveryFaultTests(ITestOutputHelper output) : PrivateRedisTest(appendOnly: true)
{
    private static readonly Dictionary<string, string?> ShortLease = new() { ["POOL_LEASE"] = "2" };
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    private IDatabase Db => Redis.Db;
    private Producer Producer => new(Redis.Connection, S.Namespace);

    /// <summary>A sweep that trusts every expired lease at once, as a sweeper that has seen Redis steady for a lease would.</summary>
    private RedisMasterStore Sweeper => new(Redis.Connection, S.Namespace) { Lease = TimeSpan.Zero };

    [Fact(Timeout = 100_000)]
    public async Task A_graceful_Redis_shutdown_and_restart_mid_run_loses_no_job_and_runs_no_finished_job_again()
    {
        using var ledger = new SpanLedger();
        using var workers = await StartRunAsync(ledger, jobs: 1500, ms: 1, underWay: 300);

        var clock = Stopwatch.StartNew();
        var atShutdown = ledger.Count;
        Redis.ShutdownAndRestart();
        var down = clock.Elapsed;
        // Generous: on a loaded 2-core machine four workers reconnecting and draining 1,500 jobs can take a while;
        // the failure message says where the jobs are.
        await Wait.UntilAsync(() => DrainedAsync(ledger), TimeSpan.FromSeconds(60), "every job to run and nothing to be queued or held",
            describe: () => DrainStateAsync(ledger));
        var census = ledger.Census();
        output.WriteLine($"runs at SHUTDOWN={atShutdown} down+reload={down.TotalMilliseconds:0}ms drained {clock.Elapsed.TotalSeconds:0.00}s after it; {census}");

        Assert.True(atShutdown < 1500, "the run was over before the shutdown");
        Assert.Empty(census.Lost);
        Assert.Equal(0, census.Duplicates);
        Assert.Empty(census.Overlapping);
        // Every job acked exactly once: an ack is never lost with AOF always, never applied twice.
        Assert.Equal(1500, (long)await Db.StringGetAsync(S.Keys.StatProcessed));
        foreach (var w in workers.All)
        {
            w.WaitForLine("Redis is reachable again");
            Assert.False(w.Process.HasExited, w.Process.Output);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_supervised_worker_stopped_past_its_lease_keeps_its_long_job_and_finishes_it_once_after_CONT()
    {
        using var ledger = new SpanLedger();
        using var master = PoolMasterProcess.Start(Redis.Url, S.Namespace, "q: 2\n", ShortLease);
        var children = await master.WaitForWorkersAsync(Db, 2);
        // Handed to an idle child of the master: the bare worker starts only once it is held. The
        // job outlasts the bare worker's start and the stall: with 5 s, a start slowed by two
        // builds beside the suite let the job end before the stop.
        await Producer.EnqueueRawAsync("q", ledger.Payload("long", 12_000));
        var holder = await WaitForHolderAsync(children);
        using var bare = WorkerProcess.Start(Redis.Url, S.Namespace, "q", ShortLease);

        var stall = await StallAsync(holder);
        await Wait.UntilAsync(async () => ledger.Count >= 1 && await InFlightCountAsync() == 0, TimeSpan.FromSeconds(20), "the long job to finish and be acked");

        var run = Assert.Single(ledger.Runs());
        output.WriteLine($"stopped {Seconds(stall.ContinuedAt - stall.StoppedAt)} (lease {Lease.TotalSeconds}s) {Seconds(stall.StoppedAt - run.Started)} into the job; the one run took {Seconds(run.Ended - run.Started)}");
        Assert.Equal("long", run.Tag);
        Assert.True(run.Started < stall.StoppedAt && run.Ended >= stall.ContinuedAt, "the one run should span the stop");
        Assert.Equal(1, (long)await Db.StringGetAsync(S.Keys.StatProcessed));
        Assert.False(await Db.KeyExistsAsync(S.Keys.StatRecovered));
        Assert.DoesNotContain("Job started", bare.Process.Output);
        Assert.True(ProcFs.IsAlive(WorkerIdentity.Parse(holder).Pid!.Value), "the stopped worker should live on");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_supervised_worker_stopped_past_its_lease_mid_stream_runs_nothing_twice()
    {
        using var ledger = new SpanLedger();
        using var master = PoolMasterProcess.Start(Redis.Url, S.Namespace, "q: 2\n", ShortLease);
        var children = await master.WaitForWorkersAsync(Db, 2);
        using var bare = WorkerProcess.Start(Redis.Url, S.Namespace, "q", ShortLease);
        await ledger.EnqueueAsync(Producer, "q", 1500, ms: 2);
        await Wait.UntilAsync(() => ledger.Count >= 200, TimeSpan.FromSeconds(15), "the run to be under way");

        var holder = await WaitForHolderAsync(children);
        var atStop = ledger.Count;
        var stall = await StallAsync(holder);
        await Wait.UntilAsync(() => DrainedAsync(ledger), TimeSpan.FromSeconds(20), "every job to run and nothing to be queued or held");
        var census = ledger.Census();
        output.WriteLine($"stopped {holder} for {Seconds(stall.ContinuedAt - stall.StoppedAt)} (lease {Lease.TotalSeconds}s) after {atStop} runs; {census}");

        Assert.Empty(census.Lost);
        Assert.Equal(0, census.Duplicates);
        Assert.Empty(census.Overlapping);
        Assert.Equal(1500, (long)await Db.StringGetAsync(S.Keys.StatProcessed));
        Assert.False(await Db.KeyExistsAsync(S.Keys.StatRecovered));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_bare_worker_swept_while_stopped_gives_its_job_up_without_acking_it_and_registers_again()
    {
        // A must still be inside its 8 s Sleep when it is continued, so its lease renewal fires the token.
        var (workers, _, leaseGone) = await StopBareWorkerAndSweepAsync(sleepSeconds: 8);
        using var owned = workers;
        var (a, b) = (workers.All[0], workers.All[1]);

        a.Signal(Signum.SIGCONT);
        var resumed = Stopwatch.StartNew();
        a.WaitForLine("Job given up Sleep", 10);
        var gaveUp = resumed.Elapsed;
        await WaitForRegistrationAsync(a);
        var registered = resumed.Elapsed;
        // A had its chance to ack: its next reserve carries no ack, and B is still running the job.
        Assert.False(await Db.KeyExistsAsync(S.Keys.StatProcessed));
        output.WriteLine($"lease gone {leaseGone.TotalSeconds:0.00}s after SIGSTOP; after SIGCONT: given up in {gaveUp.TotalSeconds:0.00}s, registered in {registered.TotalSeconds:0.00}s");

        Assert.True(gaveUp < TimeSpan.FromSeconds(3), $"A gave its job up {gaveUp.TotalSeconds:0.00}s after SIGCONT (want ~1 s: its next lease renewal)");
        Assert.Equal(0, a.Process.CountLines("Job done Sleep"));
        await AssertOnlyTheSecondWorkerAckedAsync(a, b);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_bare_worker_swept_while_stopped_whose_job_ended_during_the_stop_does_not_ack_it()
    {
        var (workers, jobClock, leaseGone) = await StopBareWorkerAndSweepAsync(sleepSeconds: 1);
        using var owned = workers;
        var (a, b) = (workers.All[0], workers.All[1]);
        // A's token can only fire after it is continued: by then this Sleep has nothing left to wait.
        await Wait.UntilAsync(() => jobClock.Elapsed > TimeSpan.FromSeconds(1.2), because: "A's 1 s Sleep to end while A is stopped");

        a.Signal(Signum.SIGCONT);
        await WaitForRegistrationAsync(a);
        output.WriteLine($"lease gone {leaseGone.TotalSeconds:0.00}s after SIGSTOP; A after SIGCONT:\n" +
            string.Join('\n', a.Process.Lines.SkipWhile(l => !l.Contains("Received CONT", StringComparison.Ordinal))));
        await AssertOnlyTheSecondWorkerAckedAsync(a, b);
    }

    /// <summary>
    /// Bare worker A (2 s lease) starts a Sleep job and is SIGSTOPped; B starts meanwhile. Once A's
    /// lease is gone the test sweeps, and B starts the requeued job with its attempt counted.
    /// Returns both (A stopped), a clock started with A's job, and when A's lease ran out.
    /// </summary>
    private async Task<(WorkerSet Workers, Stopwatch JobClock, TimeSpan LeaseGone)> StopBareWorkerAndSweepAsync(double sleepSeconds)
    {
        var a = WorkerProcess.Start(Redis.Url, S.Namespace, "q", ShortLease);
        await Producer.EnqueueAsync("q", "Sleep", sleepSeconds);
        a.WaitForLine("Job started Sleep");
        var jobClock = Stopwatch.StartNew();
        // B starts while A is stopped: the job it finds can only be the one the sweep gave back.
        var b = WorkerProcess.Start(Redis.Url, S.Namespace, "q", ShortLease, waitReady: false);
        var workers = new WorkerSet([a, b]);
        a.Signal(Signum.SIGSTOP);
        var stopped = Stopwatch.StartNew();

        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync(S.Keys.Lease(a.WorkerId)), TimeSpan.FromSeconds(10), "A's lease to run out");
        var leaseGone = stopped.Elapsed;
        Assert.Equal(1, await Sweeper.RecoverExpiredAsync());
        b.WaitForLine("Job started Sleep", 15);
        Assert.Contains("\"pool_attempts\":1", (string?)await Db.HashGetAsync(S.Keys.InFlight(b.WorkerId), "payload"));
        return (workers, jobClock, leaseGone);
    }

    private Task WaitForRegistrationAsync(WorkerProcess w) =>
        Wait.UntilAsync(async () => await Db.SetContainsAsync(S.Keys.PoolWorkers, w.WorkerId) && await Db.SetContainsAsync(S.Keys.Workers, w.WorkerId),
            TimeSpan.FromSeconds(5), $"{w.WorkerId} to register again");

    /// <summary>After B's run: one ack in all, B's; A ran the job once, never acked it, and lives on.</summary>
    private async Task AssertOnlyTheSecondWorkerAckedAsync(WorkerProcess a, WorkerProcess b)
    {
        b.WaitForLine("Job done Sleep", 15);
        await Wait.UntilAsync(async () => await InFlightCountAsync() == 0, because: "B's ack");
        Assert.Equal(1, (long)await Db.StringGetAsync(S.Keys.StatProcessed));
        Assert.Equal(1, (long)await Db.StringGetAsync(S.Keys.StatProcessedBy(b.WorkerId)));
        Assert.Equal(0, (long)await Db.StringGetAsync(S.Keys.StatProcessedBy(a.WorkerId)));
        Assert.Equal(1, a.Process.CountLines("Job started Sleep"));
        Assert.False(a.Process.HasExited, a.Process.Output);
    }

    [Fact(Timeout = 60_000)]
    public async Task Removing_a_queue_the_Resque_way_mid_run_lets_only_the_running_jobs_finish_and_the_queue_stays_gone()
    {
        using var ledger = new SpanLedger();
        using var workers = await StartRunAsync(ledger, jobs: 3000, ms: 5, underWay: 100);

        // Resque.remove_queue: SREM queues and DEL queue:NAME, pipelined.
        var batch = Db.CreateBatch();
        var srem = batch.SetRemoveAsync(S.Keys.Queues, "q");
        var del = batch.KeyDeleteAsync(S.Keys.Queue("q"));
        batch.Execute();
        var removed = await srem && await del;
        var atRemoval = ledger.Count;

        await Wait.UntilAsync(async () => await InFlightCountAsync() == 0, because: "the jobs running at the removal to finish");
        var final = ledger.Count;
        await Wait.HoldsForAsync(TimeSpan.FromSeconds(2), async () =>
                !await Db.KeyExistsAsync(S.Keys.Queue("q")) && !await Db.SetContainsAsync(S.Keys.Queues, "q") && ledger.Count == final,
            "the removed queue stays gone and no more jobs run");
        output.WriteLine($"runs when the queue was removed={atRemoval}, after it={final - atRemoval}, of 3000 enqueued");

        Assert.True(removed, "the queue should have existed when it was removed");
        Assert.InRange(final - atRemoval, 0, 2);
        Assert.Equal(0, ledger.Census().Duplicates);
        Assert.DoesNotContain(workers.All, w => w.Process.HasExited);
    }

    /// <summary>
    /// A hostile trial: a job running when its queue was removed went back to the queue when its
    /// worker stopped, and brought the removed queue back. Now it goes to the failed list instead.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_job_running_when_its_queue_is_removed_is_failed_at_term_and_the_queue_stays_gone()
    {
        await Producer.EnqueueAsync("q", "Sleep", 30);
        await Producer.EnqueueAsync("q", "Sleep", 30);
        await Producer.EnqueueAsync("q", "Sleep", 30);
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q");
        worker.WaitForLine("Job started Sleep");

        var batch = Db.CreateBatch();
        var srem = batch.SetRemoveAsync(S.Keys.Queues, "q");
        var del = batch.KeyDeleteAsync(S.Keys.Queue("q"));
        batch.Execute();
        Assert.True(await srem && await del, "the queue should have existed when it was removed");

        worker.Signal(Signum.SIGTERM);

        Assert.Equal(0, worker.WaitForExit(seconds: 15));
        worker.WaitForLine("outcome=failed Pool::QueueRemoved");
        Assert.False(await Db.KeyExistsAsync(S.Keys.Queue("q")), "the removed queue must not come back");
        Assert.False(await Db.SetContainsAsync(S.Keys.Queues, "q"));
        var failed = (string?)Assert.Single(await Db.ListRangeAsync(S.Keys.Failed));
        Assert.Contains("\"exception\":\"Pool::QueueRemoved\"", failed);
        Assert.Contains("\"class\":\"Sleep\"", failed);
        Assert.Equal(0, await InFlightCountAsync());
    }

    /// <summary>
    /// SIGSTOPs <paramref name="worker"/> for twice the lease while the test sweeps every 100 ms:
    /// the master's vouching keeps its lease alive, so no sweep takes the job it holds and nobody
    /// else starts it. Then SIGCONT. Returns when it was stopped and continued (UTC ticks, as RecordSpan writes).
    /// </summary>
    private async Task<(long StoppedAt, long ContinuedAt)> StallAsync(string worker)
    {
        var pid = WorkerIdentity.Parse(worker).Pid!.Value;
        var sweeper = Sweeper;
        var swept = 0;
        Assert.Equal(0, Syscall.kill(pid, Signum.SIGSTOP));
        long stoppedAt = 0, continuedAt = 0;
        try
        {
            await Wait.UntilAsync(() => ProcFs.State(pid) == 'T', because: $"worker {pid} to stop");
            // Read once it is stopped and before it continues, so nothing it timed falls inside the stall by mistake.
            stoppedAt = DateTime.UtcNow.Ticks;
            // A reserve it sent just before stopping still runs in Redis: read the job once it is settled.
            string? rid = null, previous;
            do
            {
                previous = rid;
                await Task.Delay(50);
                rid = await Db.HashGetAsync(S.Keys.InFlight(worker), "rid");
            }
            while (rid != previous);
            Assert.True(rid is not null, $"the stopped worker {worker} holds no job");
            await Wait.HoldsForAsync(2 * Lease + TimeSpan.FromMilliseconds(500), async () =>
                (swept += await sweeper.RecoverExpiredAsync()) == 0
                && await Db.KeyExistsAsync(S.Keys.Lease(worker))
                && (string?)await Db.HashGetAsync(S.Keys.InFlight(worker), "rid") == rid,
                $"the stopped worker {worker} keeps its lease and its job {rid} (swept {swept})");
            Assert.Equal('T', ProcFs.State(pid));
        }
        finally
        {
            continuedAt = DateTime.UtcNow.Ticks;
            Syscall.kill(pid, Signum.SIGCONT);
        }
        return (stoppedAt, continuedAt);
    }

    /// <summary>Waits until one of <paramref name="workers"/> holds a job; returns that worker.</summary>
    private async Task<string> WaitForHolderAsync(IReadOnlyList<string> workers)
    {
        string? found = null;
        await Wait.UntilAsync(async () =>
        {
            foreach (var id in workers)
                if (await Db.KeyExistsAsync(S.Keys.InFlight(id))) { found = id; return true; }
            return false;
        }, because: "a supervised worker to hold a job");
        return found!;
    }

    /// <summary>Enqueues RecordSpan jobs on q, starts two bare workers on it, and waits until <paramref name="underWay"/> jobs have run.</summary>
    private async Task<WorkerSet> StartRunAsync(SpanLedger ledger, int jobs, int ms, int underWay)
    {
        await ledger.EnqueueAsync(Producer, "q", jobs, ms);
        var workers = WorkerSet.Start(2, Redis.Url, S.Namespace, "q");
        await Wait.UntilAsync(() => ledger.Count >= underWay, TimeSpan.FromSeconds(15), "the run to be under way");
        return workers;
    }

    private static string Seconds(long ticks) => $"{TimeSpan.FromTicks(ticks).TotalSeconds:0.00}s";

    private async Task<bool> DrainedAsync(SpanLedger ledger) =>
        ledger.AllRan() && await Db.ListLengthAsync(S.Keys.Queue("q")) == 0 && await InFlightCountAsync() == 0;

    private async Task<string> DrainStateAsync(SpanLedger ledger) =>
        $"ran {ledger.Census()}; queued {await Db.ListLengthAsync(S.Keys.Queue("q"))}; in flight {await InFlightCountAsync()}";

    private async Task<int> InFlightCountAsync() =>
        ((RedisResult[])(await Db.ExecuteAsync("KEYS", S.Keys.InFlight("*")))!).Length;
}
