using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Limits;

[Collection(RedisCollection.Name)]
public sealed class WorkerLimitProcessTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;
    private Producer Producer => new(redis.Server.Connection, _s.Namespace);

    private async Task<string> LastFailure() => (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, -1))!;

    // These tests are about the failure a timeout records; retries (on by default) are off here.
    [Fact(Timeout = 30_000)]
    public async Task A_job_that_honours_its_token_at_the_soft_limit_is_failed_as_a_timeout_and_the_worker_goes_on()
    {
        await Producer.EnqueueAsync("q", "Sleep", 30);
        await Producer.EnqueueAsync("q", "Record", _s.File, "after");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_JOB_TIMEOUT"] = "0.5", ["POOL_RETRIES"] = "0" });

        await Wait.UntilAsync(() => _s.Lines().Contains("after"), because: "the next job ran");
        Assert.Contains("\"exception\":\"Pool::JobTimeout\"", await LastFailure());
        Assert.Contains("soft time limit (soft 0.5 s, hard 5.5 s)", await LastFailure());
        Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Queue("q")));
        Assert.False(worker.Process.HasExited);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_job_that_ignores_its_token_past_the_hard_limit_is_failed_and_its_worker_exits_to_be_replaced()
    {
        await Producer.EnqueueAsync("q", "Stubborn", 30);
        await Producer.EnqueueAsync("q", "Noop");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_JOB_TIMEOUT"] = "0.3,1", ["POOL_RETRIES"] = "0" });

        Assert.Equal(0, worker.WaitForExit(10));
        Assert.Contains("\"exception\":\"Pool::JobTimeout\"", await LastFailure());
        Assert.Contains("hard time limit", await LastFailure());
        Assert.Contains("Recycling this worker", worker.Process.Output);
        Assert.Equal(["""{"class":"Noop","args":[]}"""], (await Db.ListRangeAsync(_s.Keys.Queue("q"))).Select(v => (string)v!));
    }

    // With lanes, the job past its hard limit still runs on its thread until the process exits,
    // while its failure (and so its retry) is already in Redis. The worker used to stop as on
    // QUIT and wait for its other lanes' jobs, so the retry could start elsewhere while the first
    // copy ran on (and finished). Now the other lanes' jobs are requeued at once and it exits.
    [Fact(Timeout = 30_000)]
    public async Task A_lane_past_its_hard_limit_requeues_the_other_lanes_jobs_and_exits_at_once()
    {
        await Producer.EnqueueAsync("q", "Stubborn", 30);
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q",
            new Dictionary<string, string?> { ["POOL_CONCURRENCY"] = "2", ["POOL_JOB_TIMEOUT"] = "0.3,3", ["POOL_RETRIES"] = "0" });
        await Wait.UntilAsync(() => worker.Process.Output.Contains("Job started Stubborn"), because: "the first job started");
        var first = System.Diagnostics.Stopwatch.StartNew();
        // The second lane's job starts well before the first one's hard limit, so it is still
        // within its own when the first one is abandoned.
        await Wait.UntilAsync(() => first.Elapsed > TimeSpan.FromSeconds(1), because: "the first job ran a while");
        await Producer.EnqueueAsync("q", "Stubborn", 30);

        Assert.Equal(0, worker.WaitForExit(10));
        Assert.Equal(1, await Db.ListLengthAsync(_s.Keys.Failed));
        Assert.Contains("hard time limit", await LastFailure());
        Assert.Equal(["""{"class":"Stubborn","args":[30]}"""], (await Db.ListRangeAsync(_s.Keys.Queue("q"))).Select(v => (string)v!));
        Assert.Contains("stopped on its own (recycled)", worker.Process.Output);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_worker_exits_0_after_max_jobs_with_its_last_job_acked()
    {
        for (var i = 0; i < 3; i++) await Producer.EnqueueAsync("q", "Record", _s.File, $"r{i}");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_MAX_JOBS"] = "2" });

        Assert.Equal(0, worker.WaitForExit(10));
        Assert.Equal(["r0", "r1"], _s.Lines());
        Assert.Equal(2, (long)await Db.StringGetAsync(_s.Keys.StatProcessed));
        Assert.Equal(1, await Db.ListLengthAsync(_s.Keys.Queue("q")));
        Assert.False(await Db.KeyExistsAsync(_s.Keys.InFlight(worker.WorkerId)));
        // Its own stop, not a QUIT nobody sent.
        Assert.Contains("stopped on its own (recycled)", worker.Process.Output);
        Assert.DoesNotContain("stopped on QUIT", worker.Process.Output);
    }

    public void Dispose() => _s.Dispose();
}
