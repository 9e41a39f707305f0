using Mono.Unix.Native;
using Pool.Master.Tests.Supervision;

namespace Pool.Master.Tests.Capacity;

/// <summary>TTIN, TTOU and HUP on an autoscaled group, with test workers and no Redis (the autoscaler then holds its size).</summary>
public sealed class AutoscaleSignalTests
{
    [Fact(Timeout = 60_000)]
    public async Task Ttin_and_ttou_move_an_autoscaled_groups_range_and_hup_restores_it()
    {
        using var run = MasterRun.Start("scaled:\n  count: 1..3\n");
        await Task.Run(() => run.WaitForReadyWorkers(1));

        run.Signal(Signum.SIGTTIN);
        // The range is now 2..4: MIN 2 means a second worker at once.
        await Task.Run(() => run.WaitForReadyWorkers(2));
        run.WaitForMasterLine("TTIN: scaled now autoscaled 2..4, at 2, until the next HUP");

        run.Signal(Signum.SIGTTOU);
        await Task.Run(() => Pool.Testing.Wait.Until(() => run.Workers().Count == 1, TimeSpan.FromSeconds(15), "back to 1 worker"));
        run.WaitForMasterLine("TTOU: scaled now autoscaled 1..3, at 1, until the next HUP");

        run.Signal(Signum.SIGTTIN);
        await Task.Run(() => run.WaitForReadyWorkers(2));
        run.Signal(Signum.SIGHUP);
        run.WaitForMasterLine("HUP: starting");
        // HUP: 1..3 again, starting at the size the group had (2), which is inside it.
        await Task.Run(() => Pool.Testing.Wait.Until(() => run.Workers().Count == 2 && run.MasterLines().Count(l => l.Contains("retiring worker", StringComparison.Ordinal)) >= 3,
            TimeSpan.FromSeconds(20), $"2 workers after HUP. Master:\n{run.Master.Output}"));
    }
}
