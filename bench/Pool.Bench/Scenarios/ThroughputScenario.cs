using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Protocol.Producing;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// No-op throughput of 2 pool-workers under pool-master: context.Jobs Noop jobs, timed from the
/// first job started until NS:stat:processed reaches the count, which means every job was acked
/// (stricter than Sidekiq's queue-empty measure); see <see cref="DrainClock"/>. It runs twice:
/// with the default log level (two lines per job, what users get; the log goes to a file) and
/// with POOL_LOG_LEVEL=warning. Each run drains the jobs twice with the same workers: first on
/// freshly started workers ("cold": .NET's tiered JIT is still compiling the hot path), then
/// again ("warm"), which is what a long-running pool does all day. Both are reported.
/// With <paramref name="concurrency"/> above 1 the group has `concurrency: N` (N jobs at once per
/// worker process, the shape Sidekiq is measured in), its figures carry "_cN", and only the
/// default log level is measured. With <paramref name="build"/> Aot the slots run the sample jobs'
/// Native AOT worker app instead of pool-worker, and the id and figures carry "aot".
/// </summary>
public sealed class ThroughputScenario(int concurrency = 1, WorkerBuild build = WorkerBuild.Jit) : IScenario
{
    private const string Queue = "bench";
    private const string NoopPayload = """{"class":"Noop","args":[]}""";

    public string Id => (concurrency == 1 ? "throughput" : $"throughput-c{concurrency}") + build.IdSuffix();

    private string Suffix => (concurrency == 1 ? "" : $"_c{concurrency}") + build.FigureSuffix();

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        if (concurrency > 1)
        {
            var lanes = await DrainAsync(context, quiet: false, ct).ConfigureAwait(false);
            return
            [
                new Figure("noop_jobs_per_s" + Suffix, context.Jobs / lanes.Warm.TotalSeconds, "jobs/s", $"2 {build.Workers()} with concurrency: {concurrency}, {context.Jobs} no-op jobs, first job started to all acked, warm workers; default log level"),
                new Figure("noop_jobs_per_s_cold" + Suffix, context.Jobs / lanes.Cold.TotalSeconds, "jobs/s", build == WorkerBuild.Aot ? "the same on freshly started workers" : "the same on freshly started workers (JIT still warming up)"),
                new Figure("noop_cpu_us_per_job" + Suffix, lanes.WorkerCpu + lanes.RedisCpu, "us", "CPU (user + system, /proc) per no-op job of the 2 workers and Redis together, warm drain"),
                new Figure("noop_worker_cpu_us_per_job" + Suffix, lanes.WorkerCpu, "us", "of which the 2 worker processes"),
            ];
        }
        var loud = await DrainAsync(context, quiet: false, ct).ConfigureAwait(false);
        var quiet = await DrainAsync(context, quiet: true, ct).ConfigureAwait(false);
        return
        [
            new Figure("noop_jobs_per_s", context.Jobs / loud.Warm.TotalSeconds, "jobs/s", $"2 pool-workers, {context.Jobs} no-op jobs, first job started to all acked, warm workers; default log level (2 lines per job, to a file)"),
            new Figure("noop_jobs_per_s_cold", context.Jobs / loud.Cold.TotalSeconds, "jobs/s", "the same on freshly started workers (JIT still warming up)"),
            new Figure("noop_jobs_per_s_quiet", context.Jobs / quiet.Warm.TotalSeconds, "jobs/s", "warm, with POOL_LOG_LEVEL=warning (no per-job log lines)"),
            new Figure("noop_enqueue_ms", loud.Enqueue.TotalMilliseconds, "ms", $"time to enqueue the {context.Jobs} jobs (EnqueueManyRawAsync, {Producer.ManyChunk} per script, pipelined)"),
        ];
    }

    private async Task<(TimeSpan Cold, TimeSpan Warm, TimeSpan Enqueue, double WorkerCpu, double RedisCpu)> DrainAsync(BenchContext context, bool quiet, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        var db = context.Db;
        var queueKey = $"{ns}:queue:{Queue}";
        var processed = $"{ns}:stat:processed";
        var payloads = Enumerable.Repeat(NoopPayload, context.Jobs).ToList();
        var env = build.Env(new Dictionary<string, string?> { ["POOL_LOG_LEVEL"] = quiet ? "warning" : null });
        var group = concurrency == 1 ? $"{Queue}: 2\n" : $"{Queue}:\n  count: 2\n  concurrency: {concurrency}\n";

        // Fresh workers: the queue is full before the master starts them.
        await db.SetAddAsync($"{ns}:queues", Queue).ConfigureAwait(false);
        await DrainClock.FillAsync(db, queueKey, payloads).ConfigureAwait(false);
        using var master = context.StartMasterLoggingToFile(group, ns, Path.Combine(context.Scratch, ns + ".log"), env);
        var cold = await DrainClock.TimeAsync(db, queueKey, context.Jobs, Processed(db, processed, context.Jobs), Timeout).ConfigureAwait(false);
        probe.WaitUntilIdle(master.Pid, 2, TimeSpan.FromSeconds(60));

        // Warm workers, idle: the whole batch appears at once, with the wake tokens Pool's own
        // producer pushes with a batch (see enqueue_many.lua).
        await DrainClock.FillAsync(db, DrainClock.StagingKey(queueKey), payloads).ConfigureAwait(false);
        await CpuMeter.WaitUntilIdleAsync(ProcFs.Children(master.Pid), TimeSpan.FromSeconds(20)).ConfigureAwait(false);
        var workerCpu = CpuMeter.Start(ProcFs.Children(master.Pid));
        var redisCpu = CpuMeter.Start([CpuMeter.RedisPid(db)]);
        await DrainClock.ReleaseAsync(db, queueKey, tx => PushWakeTokens(tx, ns, context.Jobs)).ConfigureAwait(false);
        var warm = await DrainClock.TimeAsync(db, queueKey, context.Jobs, Processed(db, processed, 2L * context.Jobs), Timeout).ConfigureAwait(false);
        var (workerUs, redisUs) = (CpuMeter.PerJob(workerCpu.Spent, context.Jobs), CpuMeter.PerJob(redisCpu.Spent, context.Jobs));
        probe.WaitUntilIdle(master.Pid, 2, TimeSpan.FromSeconds(60));

        // The producer's own cost, timed apart: Pool's batch enqueue of the same jobs.
        var clock = Stopwatch.StartNew();
        await new Producer(context.Redis.Connection, ns).EnqueueManyRawAsync(Queue, payloads).ConfigureAwait(false);
        var enqueued = clock.Elapsed;
        await Wait.UntilAsync(Processed(db, processed, 3L * context.Jobs), Timeout, "the enqueued jobs to be processed").ConfigureAwait(false);

        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        return (cold, warm, enqueued, workerUs, redisUs);
    }

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    private static Func<Task<bool>> Processed(StackExchange.Redis.IDatabase db, string key, long total) =>
        async () => (long)await db.StringGetAsync(key).ConfigureAwait(false) >= total;

    /// <summary>One wake token per job up to the producer's bound, on the queue's list and on "*" (as wake_many in common.lua).</summary>
    private static void PushWakeTokens(StackExchange.Redis.ITransaction tx, string ns, int jobs)
    {
        var tokens = Enumerable.Repeat((StackExchange.Redis.RedisValue)"1", Math.Min(jobs, 100)).ToArray();
        _ = tx.ListRightPushAsync($"{ns}:pool:wake:{Queue}", tokens);
        _ = tx.ListRightPushAsync($"{ns}:pool:wake-any", tokens);
    }
}
