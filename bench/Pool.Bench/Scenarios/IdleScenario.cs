using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The cost of an idle pool of 10 pool-workers: master RSS and CPU, worker RSS, and the Redis
/// commands per second that idle workers send (their wake-up wait, fallback poll and lease).
/// </summary>
public sealed class IdleScenario : IScenario
{
    private const int Workers = 10;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    public string Id => "idle";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        using var master = context.StartMaster($"idle: {Workers}\n", ns);
        Wait.Until(() => probe.ReadyChildren(master.Pid).Count == Workers, TimeSpan.FromSeconds(60), $"{Workers} workers registered");
        // Let start-up work settle before measuring: the runtime's tiered JIT recompiles hot code in
        // the background during the first ~30 s, which is a one-off cost, not the idle cost.
        await Task.Delay(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);

        var children = probe.ReadyChildren(master.Pid).ToList();
        var cpuBefore = ProcFs.CpuTime(master.Pid);
        var commandsBefore = probe.TotalCommands();
        await Task.Delay(Window, ct).ConfigureAwait(false);
        var commandsAfter = probe.TotalCommands();
        var cpuAfter = ProcFs.CpuTime(master.Pid);

        // The two INFO calls are the bench's own commands, not the workers'.
        var perWorker = (commandsAfter - commandsBefore - 1) / Window.TotalSeconds / Workers;
        var figures = new List<Figure>
        {
            new("idle_master_rss_mb", ProcFs.RssMb(master.Pid), "MB", $"pool-master RSS with {Workers} idle pool-workers"),
            new("idle_master_cpu_pct", (cpuAfter - cpuBefore).TotalSeconds / Window.TotalSeconds * 100, "%", $"pool-master CPU over {Window.TotalSeconds:0} s idle, {Workers} workers (10 ms resolution)"),
            new("idle_worker_rss_mb", children.Average(ProcFs.RssMb), "MB", "RSS of one idle pool-worker (mean)"),
            new("idle_redis_cmds_per_worker_s", perWorker, "cmd/s", "Redis commands per second sent by one idle pool-worker"),
        };

        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        return figures;
    }
}
