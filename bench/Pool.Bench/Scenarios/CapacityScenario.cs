using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// What a worker costs and how the autoscaler follows a burst. PSS (smaps_rollup) counts the
/// runtime's shared pages once across the workers, so PSS x workers is what they take together.
/// - 4 pool-workers: master start to all ready; PSS of each idle, then busy (a Sleep job running).
/// - `count: 1..8` (5 jobs per worker, the default): 200 Sleep 0.2 s jobs RPUSHed at once, as a
///   Ruby producer would; time to the first new worker, to all 8 ready, the peak (overshoot over
///   MAX), and from the queue drained to back at MIN (quiet period 3 s, one step per period).
/// - `count: 1..12` with target_latency 1 s: 60 Sleep 0.5 s jobs; the peak and how long the
///   oldest job waited, from the jobs' own start times.
/// </summary>
public sealed class CapacityScenario : IScenario
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);

    public string Id => "capacity";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var figures = new List<Figure>();
        await WorkerCost(context, figures, ct).ConfigureAwait(false);
        await JobsPerWorkerBurst(context, figures, ct).ConfigureAwait(false);
        await LatencyBurst(context, figures, ct).ConfigureAwait(false);
        return figures;
    }

    private static async Task WorkerCost(BenchContext context, List<Figure> figures, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        var clock = Stopwatch.StartNew();
        using var master = context.StartMaster("cost: 4\n", ns);
        Wait.Until(() => probe.ReadyChildren(master.Pid).Count == 4, TimeSpan.FromSeconds(60), "4 workers registered");
        figures.Add(new Figure("capacity_start_to_ready_ms", clock.Elapsed.TotalMilliseconds, "ms", "pool-master start to 4 pool-workers registered, ready for jobs"));
        await Task.Delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        var workers = probe.ReadyChildren(master.Pid).ToList();
        figures.Add(new Figure("worker_pss_idle_mb", workers.Average(PssMb), "MB", "PSS of one idle pool-worker, 4 running (mean)"));
        figures.Add(new Figure("master_pss_mb", PssMb(master.Pid), "MB", "PSS of pool-master with 4 workers"));

        for (var i = 0; i < 4; i++) await Push(context, ns, "cost", """{"class":"Sleep","args":[4]}""").ConfigureAwait(false);
        Wait.Until(() => context.Db.SetMembers($"{ns}:workers").Count(id => context.Db.KeyExists($"{ns}:worker:{id}")) == 4, TimeSpan.FromSeconds(20), "4 busy workers");
        await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        figures.Add(new Figure("worker_pss_busy_mb", workers.Average(PssMb), "MB", "PSS of one pool-worker running a Sleep job, 4 running (mean)"));
        Stop(master);
    }

    private static async Task JobsPerWorkerBurst(BenchContext context, List<Figure> figures, CancellationToken ct)
    {
        var (ns, probe, master, clock) = await BurstAsync(context, "burst:\n  count: 1..8\n  scale_down_after: 3\n", "burst", 200, 0.2).ConfigureAwait(false);
        using var _ = master;
        double? firstNew = null, allReady = null, drained = null, backAtMin = null;
        var peak = 0;
        while (clock.Elapsed < TimeSpan.FromSeconds(90) && backAtMin is null)
        {
            var children = ProcFs.Children(master.Pid).Count(ProcFs.IsAlive);
            peak = Math.Max(peak, children);
            if (firstNew is null && children > 1) firstNew = clock.Elapsed.TotalMilliseconds;
            if (allReady is null && probe.ReadyChildren(master.Pid).Count >= 8) allReady = clock.Elapsed.TotalMilliseconds;
            if (drained is null && context.Db.ListLength($"{ns}:queue:burst") == 0 && probe.ReadyChildren(master.Pid).All(p => !Busy(context, ns, p))) drained = clock.Elapsed.TotalMilliseconds;
            if (drained is not null && children == 1) backAtMin = clock.Elapsed.TotalMilliseconds - drained;
            await Task.Delay(Poll, ct).ConfigureAwait(false);
        }
        figures.Add(new Figure("autoscale_first_worker_ms", firstNew ?? double.NaN, "ms", "burst of 200 jobs pushed to a second worker process running (1..8, 5 jobs per worker)"));
        figures.Add(new Figure("autoscale_to_max_ready_ms", allReady ?? double.NaN, "ms", "burst pushed to all 8 workers registered, ready for jobs"));
        figures.Add(new Figure("autoscale_overshoot_workers", peak - 8, "workers", "peak worker processes minus MAX (8) during the burst"));
        figures.Add(new Figure("autoscale_drain_ms", drained ?? double.NaN, "ms", "burst pushed to queue empty and no job running (40 worker-seconds of jobs)"));
        figures.Add(new Figure("autoscale_back_to_min_ms", backAtMin ?? double.NaN, "ms", "queue drained to 1 worker again (quiet period 3 s, one step per period: 7 steps)"));
        Stop(master);
    }

    private static async Task LatencyBurst(BenchContext context, List<Figure> figures, CancellationToken ct)
    {
        var (ns, _, master, clock) = await BurstAsync(context, "late:\n  count: 1..12\n  target_latency: 1\n  scale_down_after: 3\n", "late", 60, 0.5).ConfigureAwait(false);
        using var _ = master;
        var peak = 0;
        double? drained = null;
        while (clock.Elapsed < TimeSpan.FromSeconds(90) && drained is null)
        {
            peak = Math.Max(peak, ProcFs.Children(master.Pid).Count(ProcFs.IsAlive));
            if (context.Db.ListLength($"{ns}:queue:late") == 0) drained = clock.Elapsed.TotalMilliseconds;
            await Task.Delay(Poll, ct).ConfigureAwait(false);
        }
        figures.Add(new Figure("autoscale_latency_peak_workers", peak, "workers", "peak workers for 60 x 0.5 s jobs at once, target_latency 1 s, 1..12"));
        figures.Add(new Figure("autoscale_latency_wait_ms", drained ?? double.NaN, "ms", "burst pushed to the last job taken (how long the youngest-to-start job waited)"));
        Stop(master);
    }

    /// <summary>Starts a master with one autoscaled group at 1 worker, then RPUSHes <paramref name="jobs"/> Sleep jobs at once; the clock starts at the first push.</summary>
    private static async Task<(string Ns, PoolProbe Probe, TestProcess Master, Stopwatch Clock)> BurstAsync(
        BenchContext context, string yaml, string queue, int jobs, double seconds)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        var master = context.StartMaster(yaml, ns);
        Wait.Until(() => probe.ReadyChildren(master.Pid).Count == 1, TimeSpan.FromSeconds(60), "1 worker registered");
        var clock = Stopwatch.StartNew();
        var arg = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < jobs; i++) await Push(context, ns, queue, $$"""{"class":"Sleep","args":[{{arg}}],"n":{{i}}}""").ConfigureAwait(false);
        return (ns, probe, master, clock);
    }

    private static bool Busy(BenchContext context, string ns, int pid) =>
        context.Db.SetMembers($"{ns}:workers").Any(id => Pool.Protocol.Recovery.WorkerIdentity.Parse(id!).Pid == pid && context.Db.KeyExists($"{ns}:worker:{id}"));

    private static async Task Push(BenchContext context, string ns, string queue, string json)
    {
        await context.Db.SetAddAsync($"{ns}:queues", queue).ConfigureAwait(false);
        await context.Db.ListRightPushAsync($"{ns}:queue:{queue}", json).ConfigureAwait(false);
    }

    private static void Stop(TestProcess master)
    {
        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
    }

    private static double PssMb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
        {
            if (line.StartsWith("Pss:", StringComparison.Ordinal))
                return double.Parse(line[4..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        return double.NaN;
    }
}
