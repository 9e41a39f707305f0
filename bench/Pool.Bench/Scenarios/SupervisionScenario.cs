using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// Spawn, respawn and graceful stop of an idle pool of 2 pool-workers: master start to both
/// registered in Redis; kill -9 of a child to its replacement registered (resque-pool takes
/// about 1 s); TERM to master exit. With <paramref name="build"/> Aot the slots run the sample
/// jobs' Native AOT worker app, and the id and figures carry "aot". With <paramref name="standby"/>
/// the group keeps a standby worker (`standby: 1`), which takes a killed worker's slot, and the id
/// and figures carry "standby".
/// </summary>
public sealed class SupervisionScenario(WorkerBuild build = WorkerBuild.Jit, bool standby = false) : IScenario
{
    public string Id => "supervise" + build.IdSuffix() + (standby ? "-standby" : "");

    private string Name(string figure) => figure + build.FigureSuffix() + (standby ? "_standby" : "");

    private string Workers => build.Workers() + (standby ? ", standby: 1" : "");

    /// <summary>Past POOL_BACKOFF_RESET (1 s here), with a margin: the victim is healthy, not crash-looping.</summary>
    private static readonly TimeSpan HealthyUptime = TimeSpan.FromSeconds(1.2);

    public Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        var figures = new List<Figure>();

        // A worker that dies within POOL_BACKOFF_RESET of its start counts toward a crash loop,
        // and the second such death waits out the restart backoff (100 ms, then 200, ...). This
        // figure is the respawn of a healthy worker, so the reset is one second and each victim
        // has been up at least that long.
        using var master = context.StartMaster(standby ? "bench:\n  count: 2\n  standby: 1\n" : "bench: 2\n", ns, build.Env(new Dictionary<string, string?> { ["POOL_BACKOFF_RESET"] = "1" }));
        var spawn = PoolProbe.Time(() => probe.ReadyChildren(master.Pid).Count == 2, TimeSpan.FromSeconds(30), "2 workers registered");
        figures.Add(new Figure(Name("spawn_to_ready_ms"), spawn.TotalMilliseconds, "ms", $"pool-master start to 2 {Workers} registered in Redis"));

        for (var kill = 0; kill < 3; kill++)
        {
            var before = probe.ReadyChildren(master.Pid);
            var victim = before.First();
            var upSince = System.Diagnostics.Stopwatch.StartNew();
            // With a standby: its replacement (started at the previous kill) is up too, as 3 children.
            Wait.Until(() => upSince.Elapsed > HealthyUptime && (!standby || ProcFs.Children(master.Pid).Count == 3), TimeSpan.FromSeconds(5), "the victim to be up past the backoff reset");
            var children = ProcFs.Children(master.Pid).ToHashSet();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            Syscall.kill(victim, Signum.SIGKILL);
            // The replacement process exists and runs (the master's part; with a standby, the one
            // started is the next standby, so it is not timed) ...
            if (!standby)
            {
                Wait.Until(() => ProcFs.Children(master.Pid).Any(p => !children.Contains(p) && ProcFs.IsAlive(p)), TimeSpan.FromSeconds(30), "a replacement process");
                figures.Add(new Figure(Name("respawn_process_ms"), sw.Elapsed.TotalMilliseconds, "ms", "kill -9 of a worker to its replacement process running (the master's part)"));
            }
            // ... and has started .NET, connected to Redis and registered (the worker's part too).
            PoolProbe.Time(() =>
            {
                var now = probe.ReadyChildren(master.Pid);
                now.Remove(victim);
                return now.Count == 2;
            }, TimeSpan.FromSeconds(30), "a replacement worker registered");
            figures.Add(new Figure(Name("respawn_ms"), sw.Elapsed.TotalMilliseconds, "ms", $"kill -9 of a healthy worker ({Workers}) (up past the restart-backoff reset) to its replacement registered in Redis, ready for jobs"));
        }

        master.Signal(Signum.SIGTERM);
        var stop = PoolProbe.Time(() => master.HasExited, TimeSpan.FromSeconds(30), "master exit after TERM");
        figures.Add(new Figure(Name("term_to_exit_idle_ms"), stop.TotalMilliseconds, "ms", $"TERM to pool-master exit, 2 idle {Workers}"));
        return Task.FromResult<IReadOnlyList<Figure>>(figures);
    }
}
