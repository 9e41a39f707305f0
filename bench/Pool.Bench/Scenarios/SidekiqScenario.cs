using System.Diagnostics;
using System.Globalization;
using Pool.Bench.Harness;
using Pool.Bench.Peers;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The same throughput scenario run on Sidekiq (2 processes, concurrency 5, or
/// <paramref name="concurrency"/>, whose figures then carry "_cN") on the same Redis
/// (its latency is sampled beside Pool's, in <see cref="LatencyScenario"/>). Throughput is timed like Pool's (<see cref="DrainClock"/>), from the first job
/// started, but Sidekiq flushes its processed counter only on its 5 s heartbeat, so it ends at
/// the queue being empty: at most 10 jobs are then still in flight, which favours Sidekiq slightly.
/// </summary>
public sealed class SidekiqScenario(int concurrency = SidekiqPeer.DefaultConcurrency) : IScenario
{
    public string Id => concurrency == SidekiqPeer.DefaultConcurrency ? "sidekiq" : $"sidekiq-c{concurrency}";

    private string Suffix => concurrency == SidekiqPeer.DefaultConcurrency ? "" : $"_c{concurrency}";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        SidekiqPeer.EnsureInstalled();
        var queue = "bench" + Guid.NewGuid().ToString("N")[..8];
        var db = context.Db;
        var queueKey = $"queue:{queue}";
        var payloads = Payloads(queue, "NoopJob", "[]", context.Jobs);

        // Timed like Pool's (DrainClock): fresh processes started after the queue was filled,
        // then the same processes, idle, with the batch appearing at once (RENAME wakes BRPOP).
        await db.SetAddAsync("queues", queue).ConfigureAwait(false);
        await DrainClock.FillAsync(db, queueKey, payloads).ConfigureAwait(false);
        using var peer = SidekiqPeer.Start(context.Redis.Url, context.Scratch, queue, concurrency: concurrency);
        var cold = await DrainClock.TimeAsync(db, queueKey, context.Jobs, Empty(db, queueKey), DrainTimeout).ConfigureAwait(false);
        peer.WaitUntilReady(db);
        await DrainClock.FillAsync(db, DrainClock.StagingKey(queueKey), payloads).ConfigureAwait(false);
        await CpuMeter.WaitUntilIdleAsync(peer.Pids, TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        var workerCpu = CpuMeter.Start(peer.Pids);
        var redisCpu = CpuMeter.Start([CpuMeter.RedisPid(db)]);
        await DrainClock.ReleaseAsync(db, queueKey).ConfigureAwait(false);
        var warm = await DrainClock.TimeAsync(db, queueKey, context.Jobs, Empty(db, queueKey), DrainTimeout).ConfigureAwait(false);
        var (workerUs, redisUs) = (CpuMeter.PerJob(workerCpu.Spent, context.Jobs), CpuMeter.PerJob(redisCpu.Spent, context.Jobs));

        return
        [
            new Figure("sidekiq_noop_jobs_per_s" + Suffix, context.Jobs / warm.TotalSeconds, "jobs/s", $"Sidekiq {SidekiqPeer.Version()}, 2 processes x concurrency {concurrency}, {context.Jobs} no-op jobs, first job started to queue empty, second drain"),
            new Figure("sidekiq_noop_cpu_us_per_job" + Suffix, workerUs + redisUs, "us", "CPU (user + system, /proc) per no-op job of the 2 Sidekiq processes and Redis together, warm drain"),
            new Figure("sidekiq_noop_worker_cpu_us_per_job" + Suffix, workerUs, "us", "of which the 2 Sidekiq processes"),
            new Figure("sidekiq_noop_jobs_per_s_cold" + Suffix, context.Jobs / cold.TotalSeconds, "jobs/s", "the same on freshly started processes (started after the queue was filled)"),
        ];
    }

    private static readonly TimeSpan DrainTimeout = TimeSpan.FromMinutes(5);

    private static Func<Task<bool>> Empty(IDatabase db, string queueKey) =>
        async () => await db.ListLengthAsync(queueKey).ConfigureAwait(false) == 0;

    /// <summary>Pushes jobs the way Sidekiq's client does: SADD queues, LPUSH queue:NAME.</summary>
    internal static async Task Push(IDatabase db, string queue, string jobClass, string argsJson, int count)
    {
        var payloads = Payloads(queue, jobClass, argsJson, count).Select(p => (RedisValue)p).ToArray();
        var batch = db.CreateBatch();
        var add = batch.SetAddAsync("queues", queue);
        var push = batch.ListLeftPushAsync($"queue:{queue}", payloads);
        batch.Execute();
        await Task.WhenAll(add, push).ConfigureAwait(false);
    }

    /// <summary>Job payloads as Sidekiq's client writes them.</summary>
    private static List<string> Payloads(string queue, string jobClass, string argsJson, int count)
    {
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);
        return Enumerable.Range(0, count).Select(_ =>
            $"{{\"retry\":false,\"queue\":\"{queue}\",\"class\":\"{jobClass}\",\"args\":{argsJson},\"jid\":\"{Guid.NewGuid().ToString("N")[..24]}\",\"created_at\":{now},\"enqueued_at\":{now}}}").ToList();
    }
}
