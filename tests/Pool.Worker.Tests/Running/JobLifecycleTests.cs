using System.Diagnostics;
using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

[Collection(RedisCollection.Name)]
public sealed class JobLifecycleTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;

    [Fact(Timeout = 30_000)]
    public async Task Runs_a_job_enqueued_through_the_producer_and_acks_it()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueAsync("q", "Record", _s.File, "one");

        await Wait.UntilAsync(() => _s.Lines().Contains("one"), because: "the Record job ran");
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == 1, because: "the ack counted it");
        Assert.False(await Db.KeyExistsAsync(_s.Keys.InFlight(worker.WorkerId)));
        Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Queue("q")));
        worker.WaitForLine("Job done Record queue=q");
    }

    [Fact(Timeout = 30_000)]
    public async Task Every_log_line_of_a_fast_run_reaches_stdout_even_when_term_ends_it()
    {
        // Fast jobs back to back have their lines batched; a stop must still write every one.
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueManyRawAsync("q", Enumerable.Repeat("""{"class":"Noop","args":[]}""", 500).ToList());
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == 500, because: "every job to be acked");

        worker.Signal(Mono.Unix.Native.Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
        Assert.Equal(500, worker.Process.CountLines("Job started Noop"));
        Assert.Equal(500, worker.Process.CountLines("Job done Noop"));
    }

    [Fact(Timeout = 30_000)]
    public async Task An_idle_worker_starts_a_producer_job_long_before_the_fallback_poll()
    {
        // With a 30 s fallback poll, only the wake token can start the job quickly.
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_POLL_INTERVAL"] = "30" });
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueAsync("q", "Noop"); // warm up the job path
        worker.WaitForLine("Job done Noop");

        var clock = Stopwatch.StartNew();
        await producer.EnqueueAsync("q", "Record", _s.File, "fast");
        await Wait.UntilAsync(() => _s.Lines().Contains("fast"), TimeSpan.FromSeconds(5), "the job to run");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"enqueue to done took {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Fact(Timeout = 30_000)]
    public async Task Takes_jobs_in_queue_priority_order()
    {
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueAsync("low", "Record", _s.File, "low1");
        await producer.EnqueueAsync("high", "Record", _s.File, "high1");
        await producer.EnqueueAsync("high", "Record", _s.File, "high2");
        await producer.EnqueueAsync("low", "Record", _s.File, "low2");

        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "high,low");
        await Wait.UntilAsync(() => _s.Lines().Length == 4, because: "all four jobs ran");
        Assert.Equal(["high1", "high2", "low1", "low2"], _s.Lines());
    }

    [Fact(Timeout = 30_000)]
    public async Task Star_takes_every_queue_in_alphabetical_order()
    {
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueAsync("zebra", "Record", _s.File, "z");
        await producer.EnqueueAsync("apple", "Record", _s.File, "a");
        await producer.EnqueueAsync("mango", "Record", _s.File, "m");

        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "*");
        await Wait.UntilAsync(() => _s.Lines().Length == 3, because: "all three jobs ran");
        Assert.Equal(["a", "m", "z"], _s.Lines());
    }

    [Fact(Timeout = 30_000)]
    public async Task Bad_payloads_go_to_the_failed_list_at_once_with_a_clear_error_a_failing_job_waits_for_its_retry_and_the_worker_goes_on()
    {
        string[] bad =
        [
            "not json",
            """{"args":[1]}""",
            """{"class":"NoSuchJob","args":[]}""",
            """{"class":"Sleep","args":["abc"]}""",
            """{"class":"Record","args":[]}""",
            """{"class":"Fail","args":["it broke"]}""",
        ];
        foreach (var p in bad) await Db.ListRightPushAsync(_s.Keys.Queue("q"), p);
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), $$"""{"class":"Record","args":["{{_s.File}}","after"]}""");

        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        await Wait.UntilAsync(() => _s.Lines().Contains("after"), because: "the good job after the bad ones ran");

        var failed = (await Db.ListRangeAsync(_s.Keys.Failed)).Select(v => (string)v!).ToArray();
        // Bad input is never retried; the job that threw waits for its first automatic retry.
        Assert.Equal(5, failed.Length);
        Assert.Contains("\"exception\":\"Pool::InvalidPayload\",\"error\":\"payload is not valid JSON", failed[0]);
        Assert.Contains("payload has no \\\"class\\\"", failed[1]);
        Assert.Contains("\"exception\":\"Pool::UnknownJob\",\"error\":\"no job class named 'NoSuchJob'", failed[2]);
        Assert.Contains("\"exception\":\"Pool::ArgumentError\",\"error\":\"Sleep argument 1 (seconds) is \\\"abc\\\"", failed[3]);
        Assert.Contains("Record takes 2 argument(s) (path: String, tag: String) but the payload has 0", failed[4]);
        var retry = Assert.Single(await new Pool.Protocol.Retries.RetryStore(Db, new Pool.Protocol.Scheduling.SchedulerKeys(_s.Namespace)).ListAsync());
        Assert.Equal("Fail", retry.Job.Class);
        Assert.Contains("\"exception\":\"System.InvalidOperationException\",\"error\":\"it broke\"", retry.LastFailure!.Raw);
        Assert.Equal(6, (long)await Db.StringGetAsync(_s.Keys.StatFailed));
        // The last job's ack travels with the next reserve, a moment after its line is written.
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == 7, because: "failures count as processed, as in Ruby");
        Assert.False(worker.Process.HasExited);
    }

    public void Dispose() => _s.Dispose();
}
