using Mono.Unix.Native;

namespace Pool.Master.Tests.Supervision;

/// <summary>A shell starts a script's background job (`pool-master &`) with INT and QUIT ignored, and nohup ignores HUP.</summary>
public sealed class IgnoredSignalTests
{
    [Fact(Timeout = 30_000)]
    public async Task Quit_lets_every_worker_finish_even_when_the_master_started_with_quit_int_and_hup_ignored()
    {
        using var run = MasterRun.Start("foo: 2\n", ignoring: ["QUIT", "INT", "HUP"]);
        var pids = await Task.Run(() => run.WaitForReadyWorkers(2));
        run.WaitForMasterLine("INT, QUIT, HUP were ignored when pool-master started");

        run.Signal(Signum.SIGQUIT);

        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.All(pids, p => Assert.True(run.HasLogged(p, "exiting on QUIT"),
            $"worker {p} did not finish on QUIT. Workers:\n{string.Join('\n', run.WorkerLines())}\nMaster:\n{run.Master.Output}"));
    }
}
