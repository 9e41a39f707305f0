using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Bench.Peers;
using Pool.Protocol.Producing;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// Enqueue-to-start latency on an idle pool of 2 pool-workers: <see cref="LatencySampler.Samples"/> Stamp jobs through the Pool
/// Producer, one at a time, each after the pool went idle again. A hundred samples first warm up the
/// workers (JIT of the job's binding) and are not counted: the figure is steady state.
/// With <paramref name="sidekiq"/>, Sidekiq (2 processes, concurrency 5, on the same Redis) runs
/// beside the pool, warmed up the same way, and the two are sampled in turn, one job each per
/// round (<see cref="LatencySampler.MeasureAlternatelyAsync"/>): side by side, in the same seconds.
/// A second pool, of the sample jobs' Native AOT worker app, is sampled in the same rounds.
/// </summary>
public sealed class LatencyScenario(bool sidekiq = false) : IScenario
{
    private const string Queue = "latency";
    private const int Warmup = 100;

    public string Id => "latency";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        using var master = StartPool(context, WorkerBuild.Jit, out var producer);
        using var aot = StartPool(context, WorkerBuild.Aot, out var aotProducer);
        List<Func<string, Task>> peers = [path => producer.EnqueueAsync(Queue, "Stamp", path), path => aotProducer.EnqueueAsync(Queue, "Stamp", path)];
        List<int> pids = [master.Pid, .. ProcFs.Children(master.Pid), aot.Pid, .. ProcFs.Children(aot.Pid)];

        using var peer = sidekiq ? StartSidekiq(context) : null;
        if (peer is not null)
        {
            var queue = peer.Queue;
            peers.Add(path => SidekiqScenario.Push(context.Db, queue, "StampJob", $"[\"{path}\"]", 1));
            pids.AddRange(peer.Peer.Pids);
        }
        foreach (var enqueue in peers) await LatencySampler.MeasureAsync(enqueue, context.Scratch, Warmup, ct).ConfigureAwait(false);
        // The figures are idle pools': the background tier-1 JIT that follows a .NET process's
        // start and its first jobs is done before sampling, or its bursts take a core from
        // whichever thread a job wakes.
        await CpuMeter.WaitUntilIdleAsync(pids, TimeSpan.FromSeconds(30)).ConfigureAwait(false);
        var figures = await LatencySampler.MeasureAlternatelyAsync(peers, context.Scratch, LatencySampler.Samples, ct).ConfigureAwait(false);

        foreach (var pool in new[] { master, aot }) pool.Signal(Signum.SIGTERM);
        foreach (var pool in new[] { master, aot }) pool.WaitForExit(TimeSpan.FromSeconds(30));
        var beside = peer is null ? "" : ", sampled in turn with Sidekiq's";
        List<Figure> result =
        [
            new Figure("latency_p50_ms", figures[0].P50, "ms", $"Pool enqueue-to-start p50, 2 idle pool-workers, {LatencySampler.Samples} samples after {Warmup} warm-up{beside}"),
            new Figure("latency_p99_ms", figures[0].P99, "ms", $"Pool enqueue-to-start p99, 2 idle pool-workers, {LatencySampler.Samples} samples after {Warmup} warm-up{beside}"),
            new Figure("latency_p50_ms_aot", figures[1].P50, "ms", $"the same with 2 idle Native AOT workers (pool-samples-worker), in turn with the others"),
            new Figure("latency_p99_ms_aot", figures[1].P99, "ms", $"the same, p99"),
        ];
        if (peer is not null)
        {
            result.Add(new Figure("sidekiq_latency_p50_ms", figures[2].P50, "ms", $"Sidekiq enqueue-to-start p50, 2 idle processes x concurrency 5, {LatencySampler.Samples} samples after {Warmup} warm-up, in turn with Pool's"));
            result.Add(new Figure("sidekiq_latency_p99_ms", figures[2].P99, "ms", $"Sidekiq enqueue-to-start p99, the same"));
        }
        return result;
    }

    /// <summary>A pool of 2 idle workers of <paramref name="build"/> in a namespace of its own, logging to a file.</summary>
    private static TestProcess StartPool(BenchContext context, WorkerBuild build, out Producer producer)
    {
        var ns = RedisServer.NewNamespace("bench");
        var master = context.StartMasterLoggingToFile($"{Queue}: 2\n", ns, Path.Combine(context.Scratch, ns + ".log"), build.Env());
        new PoolProbe(context.Db, ns).WaitUntilIdle(master.Pid, 2, TimeSpan.FromSeconds(60));
        producer = new Producer(context.Redis.Connection, ns);
        return master;
    }

    private static Started StartSidekiq(BenchContext context)
    {
        SidekiqPeer.EnsureInstalled();
        var queue = "latency" + Guid.NewGuid().ToString("N")[..8];
        var peer = SidekiqPeer.Start(context.Redis.Url, context.Scratch, queue);
        peer.WaitUntilReady(context.Db);
        return new Started(peer, queue);
    }

    /// <summary>The Sidekiq processes and the queue they fetch from.</summary>
    private sealed record Started(SidekiqPeer Peer, string Queue) : IDisposable
    {
        public void Dispose() => Peer.Dispose();
    }
}
