using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// The sample jobs' Native AOT worker app (samples/Pool.Samples.AotWorker): pool-worker's loop
/// compiled ahead of time and trimmed. What trimming or the lack of a JIT could break is
/// reflection: finding Perform, binding JSON args to its parameter types, iteration cursors,
/// failure backtraces; and the native parts: signals and the Redis client.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class AotWorkerTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;

    [Fact(Timeout = 30_000)]
    public async Task Binds_every_kind_of_argument_and_settles_each_job_as_pool_worker_does()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", aot: true);
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        var rows = _s.File + ".rows";
        await producer.EnqueueAsync("q", "Record", _s.File, "strings");          // (string, string)
        await producer.EnqueueAsync("q", "RecordSpan", _s.File, "span", 1);       // (string, string, int)
        await producer.EnqueueAsync("q", "Sleep", 0.01);                          // (double)
        await producer.EnqueueAsync("q", "CountTo", 3, _s.File, 0);               // iteration job, long cursor
        await producer.EnqueueAsync("q", "ExportRows", 7L, 3, rows);              // iteration job over lists
        await producer.EnqueueAsync("q", "Fail", "boom");                         // the job's own exception
        await producer.EnqueueAsync("q", "Record", 1, 2);                         // arguments of the wrong type
        await producer.EnqueueAsync("q", "NoSuchJob");                            // no such class
        await producer.EnqueueRawAsync("q", $$"""{"class":"ChargeInvoice","args":[{"id":"INV-1","amount":12.50,"lines":["a","b"]},"{{_s.File}}"]}"""); // a record, camelCase keys

        Wait.Until(() => worker.Process.CountLines("Job done") == 9, TimeSpan.FromSeconds(15), "the nine jobs to be settled");
        Assert.Equal(6, worker.Process.CountLines("outcome=completed"));
        Assert.Contains("INV-1 12.50 2", _s.Lines());
        // Fail's exception is its own (with retries: the first failure schedules a retry); the other
        // two are refused before they run.
        worker.WaitForLine("outcome=failed System.InvalidOperationException: boom; retry scheduled");
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(_s.Keys.Failed) == 2, because: "the two unrunnable jobs to be failed");
        Assert.Contains("strings", _s.Lines());
        Assert.Contains(_s.Lines(), l => l.StartsWith("span ", StringComparison.Ordinal));
        Assert.Equal(["0", "1", "2"], _s.Lines().Where(l => l.Length == 1).ToArray());
        Assert.Equal(["1-3", "4-6", "7-7"], File.ReadAllLines(rows));
        worker.WaitForLine("Iteration completed CountTo cursor=3");

        var failed = (await Db.ListRangeAsync(_s.Keys.Failed)).Select(e => (string)e!).ToList();
        Assert.Contains(failed, e => e.Contains("Pool::ArgumentError", StringComparison.Ordinal) && e.Contains("is 1, which is not of type String", StringComparison.Ordinal));
        Assert.Contains(failed, e => e.Contains("Pool::UnknownJob", StringComparison.Ordinal));
        Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Queue("q")));
    }

    [Fact(Timeout = 30_000)]
    public async Task Term_during_a_job_requeues_it_at_the_head_of_its_queue_and_exits_0()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", aot: true);
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueAsync("q", "Sleep", 30.0);
        worker.WaitForLine("Job started Sleep");
        await producer.EnqueueAsync("q", "Noop");

        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
        worker.WaitForLine("outcome=requeued");
        var queued = (await Db.ListRangeAsync(_s.Keys.Queue("q"))).Select(e => (string)e!).ToArray();
        Assert.Equal(2, queued.Length);
        Assert.StartsWith("{\"class\":\"Sleep\"", queued[0], StringComparison.Ordinal);
        Assert.False(await Db.SetContainsAsync(_s.Keys.Workers, worker.WorkerId));
    }

    [Fact(Timeout = 30_000)]
    public async Task Runs_a_job_on_every_lane_at_once_and_term_requeues_them_all()
    {
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        for (var i = 0; i < 5; i++) await producer.EnqueueRawAsync("q", $$"""{"class":"Sleep","args":[30],"n":{{i}}}""");
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_CONCURRENCY"] = "4" }, aot: true);

        // Four lanes hold four jobs at once; the fifth waits, visible in its queue.
        Wait.Until(() => worker.Process.CountLines("Job started Sleep") == 4, TimeSpan.FromSeconds(15), "four Sleep jobs running at once");
        Assert.Equal(1, await Db.ListLengthAsync(_s.Keys.Queue("q")));

        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
        Assert.Equal(4, worker.Process.CountLines("outcome=requeued"));
        var queued = (await Db.ListRangeAsync(_s.Keys.Queue("q"))).Select(e => (string)e!).ToArray();
        Assert.Equal(5, queued.Distinct().Count());
    }

    [Fact(Timeout = 30_000)]
    public void Check_lists_the_built_in_job_classes_and_ignores_pool_jobs_with_a_note()
    {
        using var check = TestProcess.Start(Artifacts.AotSamplesWorker, ["--check"], new Dictionary<string, string?> { ["POOL_JOBS"] = Artifacts.SamplesDll });
        Assert.Equal(0, check.WaitForExit(TimeSpan.FromSeconds(10)));
        check.WaitForLine("pool-worker --check: 16 job class(es): AppendLines, ChargeInvoice, CountTo");
        check.WaitForLine("not loaded: this worker is a Native AOT app, whose job classes are built in");
    }

    [Fact(Timeout = 30_000)]
    public void Help_names_the_app_and_leaves_out_jobs_which_it_cannot_load()
    {
        using var app = TestProcess.Start(Artifacts.AotSamplesWorker, ["--help"]);
        Assert.Equal(0, app.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("pool-samples-worker: a Pool worker app", app.Output);
        Assert.Contains("--queues", app.Output);
        Assert.DoesNotContain("--jobs", app.Output);

        // pool-worker itself still offers it.
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--help"]);
        Assert.Equal(0, worker.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("pool-worker: runs Resque-compatible jobs from Redis", worker.Output);
        Assert.Contains("--jobs", worker.Output);
    }

    [Fact(Timeout = 30_000)]
    public void The_binary_alone_without_its_native_library_exits_2_at_start_with_one_line_saying_what_to_ship()
    {
        // Copied without libMono.Unix.so, the app used to reach "Worker ready" and crash 20 ms
        // later, again and again under its master.
        var alone = Directory.CreateTempSubdirectory("pool-aot-alone").FullName;
        try
        {
            var binary = Path.Combine(alone, "pool-samples-worker");
            File.Copy(Artifacts.AotSamplesWorker, binary);
            foreach (var args in new[] { new[] { "--check" }, [] })
            {
                using var worker = TestProcess.Start(binary, args, new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["QUEUES"] = "q" });
                Assert.Equal(2, worker.WaitForExit(TimeSpan.FromSeconds(10)));
                worker.WaitForLine("cannot load libMono.Unix.so, the native library of Mono.Unix (signals, process groups): ship it beside pool-samples-worker");
                Assert.DoesNotContain("Worker ready", worker.Output);
            }
        }
        finally
        {
            Directory.Delete(alone, recursive: true);
        }
    }

    public void Dispose() => _s.Dispose();
}
