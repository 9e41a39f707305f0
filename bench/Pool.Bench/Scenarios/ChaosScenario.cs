using Pool.Bench.Harness;
using Pool.Testing.Chaos;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The chaos test's run (tests/Pool.Testing/Chaos), for --duration seconds: RecordSpan jobs at
/// about 120 a second, kill -9 of workers every few hundred ms, three SIGSTOPs of a worker past
/// its lease, one master kill, one Redis restart (AOF), HUP/TTIN/TTOU bursts. Its own
/// redis-server, since it restarts it.
/// </summary>
public sealed class ChaosScenario : IScenario
{
    private const int JobsPerSecond = 120;

    public string Id => "chaos";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        await using var run = new ChaosRun(new ChaosOptions
        {
            Jobs = (int)(JobsPerSecond * context.Duration.TotalSeconds),
            Workers = 4,
            ChaosFor = context.Duration,
            Log = line => Console.Error.WriteLine("[bench] " + line),
        });
        var r = await run.RunAsync(ct).ConfigureAwait(false);
        Console.Error.WriteLine("[bench] " + r.Describe());
        return
        [
            new Figure("chaos_jobs", r.Jobs, "jobs", $"RecordSpan jobs (1 ms each) with unique tags, 4 workers, {context.Duration.TotalSeconds:0} s of chaos"),
            new Figure("chaos_worker_kills", r.WorkerKills, "kills", "kill -9 of a random registered worker, every 250-750 ms"),
            new Figure("chaos_master_kills", r.MasterKills, "kills", "kill -9 of pool-master, replaced at once"),
            new Figure("chaos_redis_restarts", r.RedisRestarts, "restarts", "kill -9 of redis-server, restarted from its AOF (appendfsync always)"),
            new Figure("chaos_lost", r.LostTags.Count, "jobs", "jobs never run (want 0)"),
            new Figure("chaos_worker_stalls", r.Stalls, "stalls", "SIGSTOP of a random worker for longer than its lease, then SIGCONT"),
            new Figure("chaos_duplicates", r.Duplicates, "runs", "extra runs of finished jobs, from an ack lost with a killed worker"),
            new Figure("chaos_duplicate_bound", r.DuplicateBound, "runs", "what the design allows: one per worker kill (plus a retried enqueue's wave)"),
            new Figure("chaos_duplicate_longest_run", r.DuplicateRuns.Count > 0 ? r.DuplicateRuns.Max() : 0, "jobs", "the longest run of consecutive jobs that ran twice (1: no batch was lost)"),
            new Figure("chaos_concurrent", r.ConcurrentTags.Count, "jobs", "jobs with two runs that overlapped in time (want 0)"),
            new Figure("chaos_poisoned", r.Poisoned, "jobs", "jobs failed as poison (want 0: no job here kills its worker)"),
            new Figure("chaos_zombies", r.Zombies.Count, "processes", "unreaped dead processes at the end (want 0)"),
            new Figure("chaos_orphans", r.Orphans.Count, "processes", "processes of the run still alive after the master's exit (want 0)"),
            new Figure("chaos_failed", r.Failed.Count, "jobs", "entries in the failed list (want 0)"),
            new Figure("chaos_drain_s", r.Drain.TotalSeconds, "s", "end of the chaos to every job run and nothing queued or in flight"),
            new Figure("chaos_orphans_gone_ms", r.OrphansGoneAfter?.TotalMilliseconds ?? double.NaN, "ms", "kill -9 of the master to all its workers exited"),
        ];
    }
}
