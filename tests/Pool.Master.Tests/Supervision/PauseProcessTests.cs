using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>USR2 to the master pauses its workers until CONT, the ones it starts meanwhile included, with real pool-workers.</summary>
public sealed class PauseProcessTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _ns = RedisServer.NewNamespace();
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-pause").FullName;
    private IDatabase Db => redis.Server.Db;
    private string File => Path.Combine(_dir, "lines.txt");

    private static int PidOf(string workerId) => WorkerIdentity.Parse(workerId).Pid!.Value;

    /// <summary>
    /// A worker killed during a pause for maintenance used to come back unpaused and take the
    /// waiting jobs at once.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task The_replacement_of_a_worker_killed_during_a_usr2_pause_starts_paused_and_cont_resumes_it()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q: 1\n");
        var first = PidOf((await master.WaitForWorkersAsync(Db, 1))[0]);
        master.Process.Signal(Signum.SIGUSR2);
        master.Process.WaitForLine(l => l.Contains($"[worker {first}]", StringComparison.Ordinal) && l.Contains("Paused: taking no new jobs", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        Assert.Equal(0, Syscall.kill(first, Signum.SIGKILL));
        var second = 0;
        await Wait.UntilAsync(() => master.Workers(Db).Select(PidOf).FirstOrDefault(p => p != first) is var p && (second = p) != 0,
            TimeSpan.FromSeconds(15), "a replacement worker registered");
        master.Process.WaitForLine(l => l.Contains($"[worker {second}]", StringComparison.Ordinal) && l.Contains("Paused: taking no new jobs", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await new Producer(redis.Server.Connection, _ns).EnqueueAsync("q", "Record", File, "after-cont");

        // A negative check needs a window: twice the idle poll, during which a worker taking jobs would surely have run it.
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Equal(1, await Db.ListLengthAsync(new ResqueKeys(_ns).Queue("q")));

        master.Process.Signal(Signum.SIGCONT);
        await Wait.UntilAsync(() => System.IO.File.Exists(File) && System.IO.File.ReadAllLines(File).Contains("after-cont"), TimeSpan.FromSeconds(10), "CONT resumed the new worker");
    }

    /// <summary>
    /// <c>kill -USR2 master; kill -CONT master</c> was often handled as CONT then USR2 (5 of 12
    /// pairs in a trial), and the pool stayed paused; the master's relay then sends its workers the
    /// same pair back to back, which they must also take in that order.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task Usr2_and_cont_sent_back_to_back_leave_the_pool_running()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q: 1\n");
        await master.WaitForWorkersAsync(Db, 1);
        for (var pair = 1; pair <= 3; pair++)
        {
            Assert.Equal(0, Syscall.kill(master.Process.Pid, Signum.SIGUSR2));
            Assert.Equal(0, Syscall.kill(master.Process.Pid, Signum.SIGCONT));
            await Wait.UntilAsync(() => master.Process.CountLines("received USR2") == pair && master.Process.CountLines("received CONT") >= pair,
                TimeSpan.FromSeconds(5), $"pair {pair} handled by the master");
        }
        await new Producer(redis.Server.Connection, _ns).EnqueueAsync("q", "Record", File, "after-pairs");
        await Wait.UntilAsync(() => System.IO.File.Exists(File) && System.IO.File.ReadAllLines(File).Contains("after-pairs"), TimeSpan.FromSeconds(10), "the pool took a job after the pairs");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
