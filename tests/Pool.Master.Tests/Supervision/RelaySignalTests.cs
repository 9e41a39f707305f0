using Mono.Unix.Native;

namespace Pool.Master.Tests.Supervision;

public sealed class RelaySignalTests
{
    [Fact]
    public void Usr1_usr2_and_cont_are_passed_on_to_every_worker()
    {
        using var run = MasterRun.Start("foo: 1\nbar: 1\n");
        var pids = run.WaitForReadyWorkers(2);

        foreach (var (signal, name) in new[] { (Signum.SIGUSR1, "USR1"), (Signum.SIGUSR2, "USR2"), (Signum.SIGCONT, "CONT") })
        {
            run.Signal(signal);
            foreach (var pid in pids) run.WaitForWorkerLine(pid, "signal " + name);
        }

        Assert.False(run.Master.HasExited);
        Assert.Equal(pids.Order(), run.Workers().Order());
    }
}
