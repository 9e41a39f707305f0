using System.Diagnostics;
using System.Globalization;
using Pool.Bench.Harness;
using Pool.Bench.Peers;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The same throughput and latency scenarios run on Sidekiq (2 processes, concurrency 5) on
/// the same Redis. Sidekiq flushes its processed counter only on its 5 s heartbeat, so its
/// throughput is timed to the queue being empty: at most 10 jobs are then still in flight,
/// which favours Sidekiq slightly.
/// </summary>
public sealed class SidekiqScenario : IScenario
{
    public string Id => "sidekiq";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        SidekiqPeer.EnsureInstalled();
        var queue = "bench" + Guid.NewGuid().ToString("N")[..8];
        using var peer = SidekiqPeer.Start(context.Redis.Url, context.Scratch, queue);
        var db = context.Db;
        peer.WaitUntilReady(db);

        var (p50, p99) = await LatencySampler.MeasureAsync(path => Push(db, queue, "StampJob", $"[\"{path}\"]", 1), context.Scratch, 200, ct).ConfigureAwait(false);

        // Drained twice, like Pool's scenario: the second, warm drain is the one compared.
        var cold = await DrainAsync(db, queue, context.Jobs).ConfigureAwait(false);
        var warm = await DrainAsync(db, queue, context.Jobs).ConfigureAwait(false);

        return
        [
            new Figure("sidekiq_noop_jobs_per_s", context.Jobs / warm.TotalSeconds, "jobs/s", $"Sidekiq {SidekiqPeer.Version()}, 2 processes x concurrency 5, {context.Jobs} no-op jobs, enqueue to queue empty, second drain"),
            new Figure("sidekiq_noop_jobs_per_s_cold", context.Jobs / cold.TotalSeconds, "jobs/s", "the same, first drain after start"),
            new Figure("sidekiq_latency_p50_ms", p50, "ms", "Sidekiq enqueue-to-start p50, idle, 200 samples"),
            new Figure("sidekiq_latency_p99_ms", p99, "ms", "Sidekiq enqueue-to-start p99, idle, 200 samples"),
        ];
    }

    private static async Task<TimeSpan> DrainAsync(IDatabase db, string queue, int jobs)
    {
        var sw = Stopwatch.StartNew();
        for (var sent = 0; sent < jobs; sent += 1000)
            await Push(db, queue, "NoopJob", "[]", Math.Min(1000, jobs - sent)).ConfigureAwait(false);
        Wait.Until(() => db.ListLength($"queue:{queue}") == 0, TimeSpan.FromMinutes(5), "Sidekiq to drain its queue");
        return sw.Elapsed;
    }

    /// <summary>Pushes jobs the way Sidekiq's client does: SADD queues, LPUSH queue:NAME.</summary>
    internal static async Task Push(IDatabase db, string queue, string jobClass, string argsJson, int count)
    {
        var now = (DateTime.UtcNow - DateTime.UnixEpoch).TotalSeconds.ToString("0.000000", CultureInfo.InvariantCulture);
        var payloads = Enumerable.Range(0, count).Select(_ => (RedisValue)
            $"{{\"retry\":false,\"queue\":\"{queue}\",\"class\":\"{jobClass}\",\"args\":{argsJson},\"jid\":\"{Guid.NewGuid().ToString("N")[..24]}\",\"created_at\":{now},\"enqueued_at\":{now}}}").ToArray();
        var batch = db.CreateBatch();
        var add = batch.SetAddAsync("queues", queue);
        var push = batch.ListLeftPushAsync($"queue:{queue}", payloads);
        batch.Execute();
        await Task.WhenAll(add, push).ConfigureAwait(false);
    }
}
