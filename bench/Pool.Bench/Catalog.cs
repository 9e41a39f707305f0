using Pool.Bench.Harness;
using Pool.Bench.Scenarios;

namespace Pool.Bench;

/// <summary>Every scenario, in the order they run, and the Pool/peer ratios computed from them.</summary>
public static class Catalog
{
    public static IReadOnlyList<IScenario> Select(string[] only, string[] compare)
    {
        var all = new List<IScenario>
        {
            new SupervisionScenario(),
            new SupervisionScenario(WorkerBuild.Aot),
            new SupervisionScenario(standby: true),
            new StubbornScenario(),
            new IdleScenario(),
            new ManyChildrenScenario(10),
            new ManyChildrenScenario(200),
            new ThroughputScenario(),
            new ThroughputScenario(concurrency: 5),
            // Sidekiq's threads share Ruby's global lock, Pool's lanes do not: each lane waits for
            // its own round trip, so more lanes fill the two cores. Both are measured at 20 too.
            new ThroughputScenario(concurrency: 20),
            // The same loop compiled ahead of time (samples/Pool.Samples.AotWorker): nothing is
            // compiled at run time, so fresh workers run as fast as warm ones.
            new ThroughputScenario(concurrency: 5, WorkerBuild.Aot),
            new ThroughputScenario(concurrency: 20, WorkerBuild.Aot),
            new IterationScenario(),
            new ConfirmationScenario(),
            new CapacityScenario(),
            new SchedulerScenario(),
        };
        var peers = compare.Contains("sidekiq", StringComparer.OrdinalIgnoreCase);
        all.Insert(all.FindIndex(s => s is IterationScenario), new LatencyScenario(sidekiq: peers));
        all.Add(new SlotsScenario(peers));
        if (peers)
        {
            all.Add(new SidekiqScenario());
            all.Add(new SidekiqScenario(concurrency: 20));
        }
        // The dashboard seeds a million failed entries (about 15 s), so it only runs when named: --only dashboard.
        all.Add(new DashboardScenario());
        // The overview's queue sizes over 10,000 queues, before and after (a few seconds); only when named: --only overview.
        all.Add(new OverviewScenario());
        // Chaos runs for --duration (2 min by default) per run, so it only runs when named: --only chaos (or chaos-c5, with 5 lanes per worker).
        all.Add(new ChaosScenario());
        all.Add(new ChaosScenario(concurrency: 5));
        all.Add(new ChaosScenario(standby: 1));
        return only.Length == 0 ? all.Where(s => s.Id is not ("chaos" or "chaos-c5" or "dashboard" or "overview")).ToList() : all.Where(s => only.Contains(s.Id)).ToList();
    }

    /// <summary>Pool/peer ratios, from figures measured in this same run (never hard-coded).</summary>
    public static IEnumerable<Summary> Ratios(IReadOnlyList<Summary> summaries)
    {
        var byName = summaries.ToDictionary(s => s.Name);
        foreach (var (pool, peer, name, what) in RatioPairs)
        {
            if (byName.TryGetValue(pool, out var p) && byName.TryGetValue(peer, out var q) && q.Median > 0)
                yield return new Summary(name, p.Median / q.Median, p.Median / q.Median, p.Median / q.Median, 1, "x", what);
        }
    }

    private static readonly (string Pool, string Peer, string Name, string What)[] RatioPairs =
    [
        ("noop_jobs_per_s", "sidekiq_noop_jobs_per_s", "ratio_throughput_pool_over_sidekiq", "Pool no-op throughput / Sidekiq's (higher is better; target >= 2)"),
        ("noop_jobs_per_s_c5", "sidekiq_noop_jobs_per_s", "ratio_throughput_c5_pool_over_sidekiq", "Pool no-op throughput with concurrency: 5 / Sidekiq's, warm (target >= 2)"),
        ("noop_jobs_per_s_cold_c5", "sidekiq_noop_jobs_per_s_cold", "ratio_throughput_c5_cold_pool_over_sidekiq", "the same on freshly started workers of both (target >= 2)"),
        ("noop_jobs_per_s_c20", "sidekiq_noop_jobs_per_s", "ratio_throughput_c20_pool_over_sidekiq", "Pool with concurrency: 20 / Sidekiq's default 5, warm: each at the concurrency that serves it (target >= 2)"),
        ("noop_jobs_per_s_cold_c20", "sidekiq_noop_jobs_per_s_cold", "ratio_throughput_c20_cold_pool_over_sidekiq", "the same on freshly started workers of both (target >= 2)"),
        ("noop_jobs_per_s_c5_aot", "sidekiq_noop_jobs_per_s", "ratio_throughput_c5_aot_pool_over_sidekiq", "Pool's Native AOT worker app with concurrency: 5 / Sidekiq's, warm (target >= 2)"),
        ("noop_jobs_per_s_cold_c5_aot", "sidekiq_noop_jobs_per_s_cold", "ratio_throughput_c5_aot_cold_pool_over_sidekiq", "the same on freshly started workers of both (target >= 2)"),
        ("noop_jobs_per_s_c20_aot", "sidekiq_noop_jobs_per_s", "ratio_throughput_c20_aot_pool_over_sidekiq", "Pool's Native AOT worker app with concurrency: 20 / Sidekiq's default 5, warm"),
        ("noop_jobs_per_s_cold_c20_aot", "sidekiq_noop_jobs_per_s_cold", "ratio_throughput_c20_aot_cold_pool_over_sidekiq", "the same on freshly started workers of both"),
        ("noop_jobs_per_s_c20", "sidekiq_noop_jobs_per_s_c20", "ratio_throughput_c20_pool_over_sidekiq_c20", "Pool / Sidekiq, both with concurrency 20, warm"),
        ("sidekiq_noop_jobs_per_s_c20", "sidekiq_noop_jobs_per_s", "ratio_sidekiq_c20_over_c5", "Sidekiq with 20 threads per process / with 5, warm (above 1: more threads help it)"),
        ("sidekiq_noop_cpu_us_per_job", "noop_cpu_us_per_job_c5", "ratio_cpu_per_job_sidekiq_over_pool_c5", "Sidekiq's CPU per no-op job / Pool's with concurrency: 5, workers and Redis (higher is better; steady under machine load)"),
        ("latency_p99_ms", "sidekiq_latency_p99_ms", "ratio_latency_p99_pool_over_sidekiq", "Pool p99 latency / Sidekiq's (lower is better)"),
        ("latency_p99_ms_aot", "sidekiq_latency_p99_ms", "ratio_latency_p99_aot_pool_over_sidekiq", "Pool's Native AOT worker app p99 latency / Sidekiq's, sampled in turn (lower is better)"),
    ];
}
