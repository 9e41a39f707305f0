using System.Globalization;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

public sealed class PidFileTests
{
    private const string Yaml = "foo: 1\n";

    [Fact]
    public void The_master_refuses_to_start_when_the_pidfile_names_a_live_process()
    {
        using var run = MasterRun.Start(Yaml, extraArgs: ["--pidfile", "busy.pid"]);
        run.WaitForReadyWorkers(1);
        var path = Path.Combine(run.Dir, "busy.pid");
        Assert.Equal(run.Master.Pid.ToString(CultureInfo.InvariantCulture), File.ReadAllText(path).Trim());

        using var second = TestProcess.Start(Artifacts.PoolMaster, ["-c", run.ConfigPath, "-w", Artifacts.TestWorker, "--pidfile", path], workingDirectory: run.Dir);

        Assert.Equal(1, second.WaitForExit(TimeSpan.FromSeconds(15)));
        var error = Assert.Single(second.Lines);
        Assert.Contains(path, error);
        Assert.Contains(run.Master.Pid.ToString(CultureInfo.InvariantCulture), error);
        Assert.True(File.Exists(path), "the live master's pidfile must survive");
    }

    [Fact]
    public void A_stale_pidfile_is_replaced_and_removed_on_exit()
    {
        var dir = Directory.CreateTempSubdirectory("pool-pidfile").FullName;
        var path = Path.Combine(dir, "stale.pid");
        // A pid that cannot be alive: above the kernel's pid_max.
        File.WriteAllText(path, "99999999\n");
        using var run = MasterRun.Start(Yaml, extraArgs: ["--pidfile", path]);
        run.WaitForReadyWorkers(1);
        Assert.Equal(run.Master.Pid.ToString(CultureInfo.InvariantCulture), File.ReadAllText(path).Trim());

        run.Signal(Mono.Unix.Native.Signum.SIGTERM);

        Assert.Equal(0, run.Master.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.False(File.Exists(path), "the pidfile should be removed on exit");
        Directory.Delete(dir, recursive: true);
    }
}
