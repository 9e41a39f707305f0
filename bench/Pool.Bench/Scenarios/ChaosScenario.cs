using Pool.Bench.Harness;
using Pool.Testing.Chaos;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The chaos test's run (tests/Pool.Testing/Chaos), for --duration seconds: RecordSpan jobs at
/// about 120 a second, kill -9 of workers every few hundred ms, three SIGSTOPs of a worker past
/// its lease, one master kill, one Redis restart (AOF), HUP/TTIN/TTOU bursts. Its own
/// redis-server, since it restarts it. With <paramref name="concurrency"/> above 1 each of the 4
/// workers runs that many lanes (a kill -9 ends that many jobs at once), and the id and figures
/// carry "-cN" and "_cN". With <paramref name="standby"/> the group keeps that many standby
/// workers, which take the killed workers' slots, and the id and figures carry "standby".
/// </summary>
public sealed class ChaosScenario(int concurrency = 1, int standby = 0) : IScenario
{
    private const int JobsPerSecond = 120;

    public string Id => (concurrency == 1 ? "chaos" : $"chaos-c{concurrency}") + (standby > 0 ? "-standby" : "");

    private string Suffix => (concurrency == 1 ? "" : $"_c{concurrency}") + (standby > 0 ? "_standby" : "");

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        await using var run = new ChaosRun(new ChaosOptions
        {
            Jobs = (int)(JobsPerSecond * context.Duration.TotalSeconds),
            Workers = 4,
            Concurrency = concurrency,
            Standby = standby,
            ChaosFor = context.Duration,
            Log = line => Console.Error.WriteLine("[bench] " + line),
        });
        var r = await run.RunAsync(ct).ConfigureAwait(false);
        Console.Error.WriteLine("[bench] " + r.Describe());
        return
        [
            new Figure("chaos_jobs" + Suffix, r.Jobs, "jobs", $"RecordSpan jobs (1 ms each) with unique tags, 4 workers x {concurrency} lanes, {context.Duration.TotalSeconds:0} s of chaos"),
            new Figure("chaos_worker_kills" + Suffix, r.WorkerKills, "kills", "kill -9 of a random registered worker, every 250-750 ms"),
            new Figure("chaos_master_kills" + Suffix, r.MasterKills, "kills", "kill -9 of pool-master, replaced at once"),
            new Figure("chaos_redis_restarts" + Suffix, r.RedisRestarts, "restarts", "kill -9 of redis-server, restarted from its AOF (appendfsync always)"),
            new Figure("chaos_lost" + Suffix, r.LostTags.Count, "jobs", "jobs never run (want 0)"),
            new Figure("chaos_worker_stalls" + Suffix, r.Stalls, "stalls", "SIGSTOP of a random worker for longer than its lease, then SIGCONT"),
            new Figure("chaos_duplicates" + Suffix, r.Duplicates, "runs", "extra runs of finished jobs, from an ack lost with a killed worker"),
            new Figure("chaos_duplicate_bound" + Suffix, r.DuplicateBound, "runs", "what the design allows: one per worker kill and lane (plus a retried enqueue's wave)"),
            new Figure("chaos_duplicate_longest_run" + Suffix, r.DuplicateRuns.Count > 0 ? r.DuplicateRuns.Max() : 0, "jobs", "the longest run of consecutive jobs that ran twice (1: no batch was lost)"),
            new Figure("chaos_concurrent" + Suffix, r.ConcurrentTags.Count, "jobs", "jobs with two runs that overlapped in time (want 0)"),
            new Figure("chaos_poisoned" + Suffix, r.Poisoned, "jobs", "jobs failed as poison (want 0: no job here kills its worker)"),
            new Figure("chaos_zombies" + Suffix, r.Zombies.Count, "processes", "unreaped dead processes at the end (want 0)"),
            new Figure("chaos_orphans" + Suffix, r.Orphans.Count, "processes", "processes of the run still alive after the master's exit (want 0)"),
            new Figure("chaos_failed" + Suffix, r.Failed.Count, "jobs", "entries in the failed list (want 0)"),
            new Figure("chaos_drain_s" + Suffix, r.Drain.TotalSeconds, "s", "end of the chaos to every job run and nothing queued or in flight"),
            new Figure("chaos_orphans_gone_ms" + Suffix, r.OrphansGoneAfter?.TotalMilliseconds ?? double.NaN, "ms", "kill -9 of the master to all its workers exited"),
        ];
    }
}
