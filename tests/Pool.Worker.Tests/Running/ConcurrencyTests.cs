using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// One pool-worker process with concurrency N (POOL_CONCURRENCY): N lanes, each a Pool worker of
/// its own in Redis, each holding at most one job; every stop signal acts on all of them.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class ConcurrencyTests(RedisFixture redis) : IDisposable
{
    private const int Lanes = 3;
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;
    private Producer Producer => new(redis.Server.Connection, _s.Namespace);

    private WorkerProcess Start(IDictionary<string, string?>? env = null)
    {
        var all = new Dictionary<string, string?> { ["POOL_CONCURRENCY"] = Lanes.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) all[k] = v;
        return WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", all);
    }

    private static IReadOnlyList<string> LaneIds(WorkerProcess worker) => WorkerIdentity.Lanes(worker.Pid, "q", Lanes);

    private async Task<string[]> Queue() => (await Db.ListRangeAsync(_s.Keys.Queue("q"))).Select(v => (string)v!).ToArray();

    private async Task EnqueueAsync(string cls, int n, double seconds)
    {
        for (var i = 0; i < n; i++) await Producer.EnqueueRawAsync("q", $$"""{"class":"{{cls}}","args":[{{seconds}}],"n":{{i}}}""");
    }

    private static void WaitForStarts(WorkerProcess worker, string cls, int n) =>
        Wait.Until(() => Count(worker, $"Job started {cls}") >= n, TimeSpan.FromSeconds(15), $"{n} {cls} jobs running at once. Output:\n{worker.Process.Output}");

    private static int Count(WorkerProcess worker, string text) => worker.Process.CountLines(text);

    private async Task AssertNothingHeldAsync(WorkerProcess worker)
    {
        foreach (var id in LaneIds(worker))
        {
            Assert.False(await Db.KeyExistsAsync(_s.Keys.InFlight(id)), $"{id} still holds a job");
            Assert.False(await Db.SetContainsAsync(_s.Keys.Workers, id), $"{id} is still registered");
            Assert.False(await Db.SetContainsAsync(_s.Keys.PoolWorkers, id), $"{id} is still a Pool worker");
        }
    }

    [Fact(Timeout = 30_000)]
    public async Task Each_lane_is_a_resque_worker_holding_one_job_while_the_rest_wait_visible_in_their_queue()
    {
        await EnqueueAsync("Sleep", Lanes + 1, 30);
        using var worker = Start();
        WaitForStarts(worker, "Sleep", Lanes);

        // Each lane shows in Resque's registry with its own job record, as resque-web reads it;
        // the fourth job waits in its queue, visible, not hidden in the process.
        var held = new List<string>();
        foreach (var id in LaneIds(worker))
        {
            Assert.True(await Db.SetContainsAsync(_s.Keys.Workers, id), $"{id} not in resque:workers");
            Assert.Equal(worker.Pid, WorkerIdentity.Parse(id).Pid);
            var record = (string?)await Db.StringGetAsync(_s.Keys.Worker(id));
            Assert.Contains("\"queue\":\"q\"", record);
            held.Add((string)(await Db.HashGetAsync(_s.Keys.InFlight(id), "payload"))!);
        }
        Assert.Equal(Lanes, held.Distinct().Count());
        Assert.Single(await Queue());

        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
        Assert.Equal(held.Order(), (await Queue()).Take(Lanes).Order());
        await AssertNothingHeldAsync(worker);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(Signum.SIGINT, "Stubborn", "aborted by INT")]   // a job that ignores its token is abandoned at once
    [InlineData(Signum.SIGTERM, "Sleep", "cancelled by shutdown")]
    public async Task A_stop_signal_ends_the_job_of_every_lane_at_once_and_requeues_them(Signum signal, string cls, string reason)
    {
        await EnqueueAsync(cls, Lanes, 30);
        using var worker = Start();
        WaitForStarts(worker, cls, Lanes);

        var clock = Stopwatch.StartNew();
        worker.Signal(signal);
        Assert.Equal(0, worker.WaitForExit());
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"{signal} took {clock.Elapsed}");
        Assert.Equal(Lanes, (await Queue()).Length);
        Assert.Equal(Lanes, Count(worker, $"outcome=requeued ({reason})"));
        await AssertNothingHeldAsync(worker);
    }

    [Fact(Timeout = 30_000)]
    public async Task Quit_lets_every_lane_finish_its_job_and_starts_none_more()
    {
        await EnqueueAsync("Sleep", Lanes, 1.5);
        using var worker = Start();
        WaitForStarts(worker, "Sleep", Lanes);
        await Producer.EnqueueAsync("q", "Noop");

        worker.Signal(Signum.SIGQUIT);
        Assert.Equal(0, worker.WaitForExit(15));
        Assert.Equal(Lanes, (long)await Db.StringGetAsync(_s.Keys.StatProcessed));
        Assert.Equal(["""{"class":"Noop","args":[]}"""], await Queue());
        Assert.Equal(0, Count(worker, "outcome=requeued"));
        await AssertNothingHeldAsync(worker);
    }

    [Fact(Timeout = 30_000)]
    public async Task Usr1_aborts_the_job_of_every_lane_and_the_worker_goes_on()
    {
        await EnqueueAsync("Sleep", Lanes, 30);
        using var worker = Start();
        WaitForStarts(worker, "Sleep", Lanes);

        worker.Signal(Signum.SIGUSR1);
        // Requeued at the head, the jobs are taken again by the lanes that gave them back.
        Wait.Until(() => Count(worker, "outcome=requeued (aborted by USR1)") == Lanes, TimeSpan.FromSeconds(10), "every lane's job aborted");
        WaitForStarts(worker, "Sleep", 2 * Lanes);
        Assert.False(worker.Process.HasExited);

        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
        Assert.Equal(Lanes, (await Queue()).Length);
    }

    [Fact(Timeout = 30_000)]
    public async Task Usr2_pauses_every_lane_until_cont()
    {
        using var worker = Start();
        worker.Signal(Signum.SIGUSR2);
        // Logged once, by the last lane to stop taking jobs.
        Wait.Until(() => Count(worker, "Paused: taking no new jobs") == 1, TimeSpan.FromSeconds(10), "every lane paused");
        await EnqueueAsync("Sleep", Lanes, 0);

        await Wait.HoldsForAsync(TimeSpan.FromSeconds(1), async () => (await Queue()).Length == Lanes, "a paused worker takes no job on any lane");
        worker.Signal(Signum.SIGCONT);
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == Lanes, TimeSpan.FromSeconds(10), "the jobs to run after CONT");
        Assert.Equal(1, Count(worker, "Paused: taking no new jobs"));
        Assert.Equal(1, Count(worker, "] Resumed"));
        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
    }

    [Fact(Timeout = 40_000)]
    public async Task After_kill_9_the_lease_sweep_recovers_the_job_of_every_lane()
    {
        await EnqueueAsync("Sleep", Lanes, 30);
        using var worker = Start(new Dictionary<string, string?> { ["POOL_LEASE"] = "2" });
        WaitForStarts(worker, "Sleep", Lanes);
        worker.Signal(Signum.SIGKILL);
        worker.WaitForExit();

        var sweeper = new RedisMasterStore(redis.Server.Connection, _s.Namespace) { Lease = TimeSpan.Zero };
        var recovered = 0;
        await Wait.UntilAsync(async () => (recovered += await sweeper.RecoverExpiredAsync()) == Lanes, TimeSpan.FromSeconds(20), "every lane's lease to expire and its job to be recovered");
        var queue = await Queue();
        Assert.Equal(Lanes, queue.Length);
        Assert.All(queue, p => Assert.Contains("\"pool_attempts\":1", p));
        await AssertNothingHeldAsync(worker);
    }

    [Fact(Timeout = 30_000)]
    public async Task Max_jobs_stops_taking_jobs_and_waits_for_every_lane_to_settle()
    {
        await EnqueueAsync("Sleep", 2 * Lanes, 1);
        using var worker = Start(new Dictionary<string, string?> { ["POOL_MAX_JOBS"] = "2" });
        Assert.Equal(0, worker.WaitForExit(20));

        // The lanes that were still running when the budget ran out finished their jobs (all of
        // the first round, and at most one more per lane that had finished before), none was
        // abandoned or requeued, and nothing is left held.
        var processed = (long)await Db.StringGetAsync(_s.Keys.StatProcessed);
        Assert.InRange(processed, Lanes, 2 + Lanes - 1);
        Assert.Equal(2 * Lanes - processed, (await Queue()).Length);
        Assert.Equal(0, Count(worker, "outcome=requeued"));
        Assert.Equal(1, Count(worker, "Recycling this worker: max_jobs=2 reached"));
        await AssertNothingHeldAsync(worker);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_bad_concurrency_is_a_one_line_error_naming_the_variable()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_CONCURRENCY"] = "0" }, waitReady: false);
        Assert.Equal(2, worker.WaitForExit());
        Assert.Contains("POOL_CONCURRENCY must be a whole number of jobs from 1 to 100, not '0'", worker.Process.Output);
    }

    public void Dispose() => _s.Dispose();
}
