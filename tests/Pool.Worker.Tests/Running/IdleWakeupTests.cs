using System.Diagnostics;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>What an idle worker costs the machine between jobs: how often its threads wake.</summary>
[Collection(RedisCollection.Name)]
public sealed class IdleWakeupTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();

    // The thread each lane's idle BLPOP runs on (BlockingPopConnection's, as /proc shows its name).
    private const string LaneThread = "pool-blocking-p";

    [Fact(Timeout = 60_000)]
    public void The_idle_wait_threads_of_five_lanes_wake_a_few_times_a_second_each_not_dozens()
    {
        using var worker = TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll], new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.Server.Url,
            ["POOL_NAMESPACE"] = _s.Namespace,
            ["QUEUES"] = "q",
            ["POOL_CONCURRENCY"] = "5",
            ["POOL_JOBS"] = null,
        });
        worker.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));

        // Each lane's BLPOP times out once a second; its thread then wakes to serve the next one, 3
        // to 5 times a second in all. It used to wait for its next pop on a SemaphoreSlim, whose
        // spinning (yields and 1 ms sleeps) made 40 to 45 a second per lane. Measured over two-second
        // windows (each holds a timeout of every lane's BLPOP) until one is quiet, since start-up
        // wakes threads for other reasons at first.
        var rates = new List<double>();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(16) && (rates.Count == 0 || rates[^1] >= 60))
        {
            var before = ProcFs.ContextSwitches(worker.Pid, LaneThread);
            var window = Stopwatch.StartNew();
            Thread.Sleep(TimeSpan.FromSeconds(2));
            rates.Add((ProcFs.ContextSwitches(worker.Pid, LaneThread) - before) / window.Elapsed.TotalSeconds);
        }
        Assert.True(rates[^1] < 60, "no idle two seconds with under 60 wake-ups of the 5 lanes' BLPOP threads; per second, window by window: "
            + string.Join(", ", rates.Select(r => r.ToString("0", System.Globalization.CultureInfo.InvariantCulture))));
    }

    public void Dispose() => _s.Dispose();
}
