using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

/// <summary>In a container the master is PID 1, and orphaned grandchildren become its children.</summary>
public sealed class Pid1ReapingTests
{
    [Fact]
    public void As_pid_1_the_master_reaps_orphaned_grandchildren()
    {
        var dir = Directory.CreateTempSubdirectory("pool-pid1").FullName;
        var config = Path.Combine(dir, "pool.yml");
        File.WriteAllText(config, "foo: 1\n");
        using var unshare = TestProcess.Start("unshare",
            ["--pid", "--fork", "--mount-proc", Artifacts.PoolMaster, "-c", config, "-w", $"{Artifacts.TestWorker} grandchild"],
            new Dictionary<string, string?> { ["REDIS_URL"] = "redis://127.0.0.1:1" }, dir);
        try
        {
            var master = 0;
            Wait.Until(() => (master = ProcFs.Children(unshare.Pid).FirstOrDefault()) != 0, TimeSpan.FromSeconds(10), "the master under unshare");
            IReadOnlyList<int> orphans = [];
            Wait.Until(() => (orphans = ProcFs.Children(master).Where(p => ProcFs.Command(p) == "sleep").ToList()).Count >= 2, TimeSpan.FromSeconds(15),
                "two orphaned sleeps re-parented to the master. Output:\n" + unshare.Output);

            foreach (var orphan in orphans) Syscall.kill(orphan, Signum.SIGKILL);

            Wait.Until(() => orphans.All(p => ProcFs.State(p) is null), TimeSpan.FromSeconds(3),
                "the killed orphans to be reaped, not left as zombies: " + string.Join(", ", orphans.Select(p => $"{p}={ProcFs.State(p)}")));
            Syscall.kill(master, Signum.SIGTERM);
            Assert.Equal(0, unshare.WaitForExit(TimeSpan.FromSeconds(10)));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
