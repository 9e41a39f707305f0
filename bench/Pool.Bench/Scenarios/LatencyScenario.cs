using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Protocol.Producing;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// Enqueue-to-start latency on an idle pool of 2 pool-workers: <see cref="LatencySampler.Samples"/> Stamp jobs through the Pool
/// Producer, one at a time, each after the pool went idle again. A hundred samples first warm up the
/// workers (JIT of the job's binding) and are not counted: the figure is steady state.
/// </summary>
public sealed class LatencyScenario : IScenario
{
    private const string Queue = "latency";
    private const int Warmup = 100;

    public string Id => "latency";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        using var master = context.StartMasterLoggingToFile($"{Queue}: 2\n", ns, Path.Combine(context.Scratch, ns + ".log"));
        probe.WaitUntilIdle(master.Pid, 2, TimeSpan.FromSeconds(60));

        var producer = new Producer(context.Redis.Connection, ns);
        Task Enqueue(string path) => producer.EnqueueAsync(Queue, "Stamp", path);
        await LatencySampler.MeasureAsync(Enqueue, context.Scratch, Warmup, ct).ConfigureAwait(false);
        // The figure is an idle pool's, as Sidekiq's is (its processes have run a drain before):
        // the background tier-1 JIT that follows a .NET process's start and its first jobs is
        // done before sampling, or its bursts take a core from whichever thread a job wakes.
        await CpuMeter.WaitUntilIdleAsync([master.Pid, .. ProcFs.Children(master.Pid)], TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var (p50, p99) = await LatencySampler.MeasureAsync(Enqueue, context.Scratch, LatencySampler.Samples, ct).ConfigureAwait(false);

        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        return
        [
            new Figure("latency_p50_ms", p50, "ms", $"Pool enqueue-to-start p50, 2 idle pool-workers, {LatencySampler.Samples} samples after {Warmup} warm-up"),
            new Figure("latency_p99_ms", p99, "ms", $"Pool enqueue-to-start p99, 2 idle pool-workers, {LatencySampler.Samples} samples after {Warmup} warm-up"),
        ];
    }
}
