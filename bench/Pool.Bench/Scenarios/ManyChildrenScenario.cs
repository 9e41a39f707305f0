using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// How the master's own cost grows with the number of children: 10 and 200 lightweight
/// children (`sleep`), master RSS and idle CPU, time to spawn all, and TERM to exit.
/// </summary>
public sealed class ManyChildrenScenario(int children) : IScenario
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    public string Id => $"children{children}";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        using var master = context.StartMaster($"light: {children}\n", ns, null, "--worker-command", "sleep 100000");
        Wait.Until(() => ProcFs.Children(master.Pid).Count(p => ProcFs.IsAlive(p)) == children, TimeSpan.FromSeconds(60), $"{children} children");
        var spawnAll = sw.Elapsed;
        // Let start-up work settle before measuring: the runtime's tiered JIT recompiles hot code in
        // the background during the first ~30 s, which is a one-off cost, not the idle cost.
        await Task.Delay(TimeSpan.FromSeconds(30), ct).ConfigureAwait(false);

        var cpuBefore = ProcFs.CpuTime(master.Pid);
        await Task.Delay(Window, ct).ConfigureAwait(false);
        var cpu = ProcFs.CpuTime(master.Pid) - cpuBefore;
        var rss = ProcFs.RssMb(master.Pid);

        sw.Restart();
        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(60));
        var stop = sw.Elapsed;

        return
        [
            new Figure($"children{children}_spawn_all_ms", spawnAll.TotalMilliseconds, "ms", $"pool-master start to {children} `sleep` children running"),
            new Figure($"children{children}_master_rss_mb", rss, "MB", $"pool-master RSS supervising {children} `sleep` children"),
            new Figure($"children{children}_master_cpu_pct", cpu.TotalSeconds / Window.TotalSeconds * 100, "%", $"pool-master CPU while idle with {children} children"),
            new Figure($"children{children}_term_to_exit_ms", stop.TotalMilliseconds, "ms", $"TERM to pool-master exit with {children} children"),
        ];
    }
}
