using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>
/// `standby: 1` with real pool-workers: the standby waits unregistered, takes a killed worker's
/// slot without a process start, runs jobs there, and never outlives its master.
/// </summary>
public sealed class StandbyProcessTests(RedisFixture redis, ITestOutputHelper output) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _ns = RedisServer.NewNamespace();
    private ResqueKeys Keys => new(_ns);
    private IDatabase Db => redis.Server.Db;

    /// <summary>The master's children started as standbys that have not taken a slot (they have no POOL_WORKER_SLOT).</summary>
    private static List<int> Standbys(PoolMasterProcess master) =>
        ProcFs.Children(master.Process.Pid).Where(pid =>
        {
            var env = ProcFs.Environment(pid);
            return env.GetValueOrDefault("POOL_STANDBY") == "1";
        }).ToList();

    private static int PidOf(string workerId) => WorkerIdentity.Parse(workerId).Pid!.Value;

    [Fact(Timeout = 60_000)]
    public async Task A_killed_workers_slot_is_taken_by_the_standby_which_registers_and_runs_jobs_and_a_new_standby_starts()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 2\n  standby: 1\n");
        var ids = await master.WaitForWorkersAsync(Db, 2);
        var standby = 0;
        Wait.Until(() => Standbys(master) is [var only] && (standby = only) != 0, TimeSpan.FromSeconds(20), "one standby. Output:\n" + master.Process.Output);
        master.Process.WaitForLine(l => l.Contains("standing by", StringComparison.Ordinal) && l.Contains($":{standby}:", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
        // Connected and waiting, but not a worker resque-web shows: the pool has two.
        Assert.Equal(2, master.Workers(Db).Count);
        Assert.DoesNotContain(standby, ids.Select(PidOf));

        var victim = PidOf(ids[0]);
        var slot = ProcFs.Environment(victim)["POOL_WORKER_SLOT"];
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Syscall.kill(victim, Signum.SIGKILL));
        await Wait.UntilAsync(() => master.Workers(Db).Select(PidOf).Contains(standby), TimeSpan.FromSeconds(10), "the standby registered. Output:\n" + master.Process.Output);
        output.WriteLine($"kill -9 to the standby registered in its slot: {clock.Elapsed.TotalMilliseconds:0} ms");

        master.Process.WaitForLine($"standby worker {standby} took q slot {slot}");
        master.Process.WaitForLine(l => l.Contains($"Worker {Environment.MachineName}:{standby}:q starting: slot={slot}", StringComparison.Ordinal));
        Assert.Equal(2, (await master.WaitForWorkersAsync(Db, 2)).Count);
        // A new standby takes the old one's place.
        Wait.Until(() => Standbys(master).Any(p => p != standby), TimeSpan.FromSeconds(20), "a new standby");

        // The promoted worker runs jobs: the other one is paused (USR2), so only it can take them.
        var other = master.Workers(Db).Select(PidOf).Single(p => p != standby);
        Assert.Equal(0, Syscall.kill(other, Signum.SIGUSR2));
        master.Process.WaitForLine(l => l.Contains($"[worker {other}] Paused", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await new Producer(redis.Server.Connection, _ns).EnqueueAsync("q", "Sleep", 0);
        master.Process.WaitForLine(l => l.Contains($"[worker {standby}] Job done Sleep", StringComparison.Ordinal) && l.Contains("outcome=completed", StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        var children = ProcFs.Children(master.Process.Pid);
        Assert.Equal(3, children.Count);
        master.Process.Signal(Signum.SIGTERM);
        Assert.Equal(0, master.Process.WaitForExit(TimeSpan.FromSeconds(20)));
        // Every child, the new standby included, was stopped and reaped with the master.
        Assert.DoesNotContain(children, ProcFs.IsAlive);
        master.Process.WaitForLine("drained 3 worker(s)");
        master.Process.WaitForLine(l => l.Contains("drain: standby worker ", StringComparison.Ordinal) && l.Contains(" group q stopped in ", StringComparison.Ordinal));
    }

    /// <summary>
    /// The slot's restart backoff held a ready standby back too: the hostile trial's six kills
    /// 3.4 s apart made the standby take the slot up to 1.6 s after the kill. Here the backoff is
    /// 20 s from the second quick death, so a standby that waits it out misses the 10 s deadline.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_crash_looping_slot_takes_the_ready_standby_at_once_not_after_its_backoff()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 1\n  standby: 1\n",
            new Dictionary<string, string?> { ["POOL_BACKOFF_MIN"] = "20", ["POOL_BACKOFF_MAX"] = "30" });
        var worker = PidOf((await master.WaitForWorkersAsync(Db, 1))[0]);
        var slot = ProcFs.Environment(worker)["POOL_WORKER_SLOT"];
        int ReadyStandby(int other)
        {
            var standby = 0;
            Wait.Until(() => Standbys(master).FirstOrDefault(p => p != other) is var pid && (standby = pid) != 0, TimeSpan.FromSeconds(20), "a standby. Output:\n" + master.Process.Output);
            master.Process.WaitForLine(l => l.Contains("standing by", StringComparison.Ordinal) && l.Contains($":{standby}:", StringComparison.Ordinal), TimeSpan.FromSeconds(20));
            return standby;
        }

        // The first death of a slot is replaced at once (no backoff yet).
        var first = ReadyStandby(0);
        Assert.Equal(0, Syscall.kill(worker, Signum.SIGKILL));
        master.Process.WaitForLine($"standby worker {first} took q slot {slot}");
        var second = ReadyStandby(first);

        // The second quick death puts the slot in its 20 s backoff; the waiting standby takes it anyway.
        var clock = Stopwatch.StartNew();
        Assert.Equal(0, Syscall.kill(first, Signum.SIGKILL));
        master.Process.WaitForLine($"slot q/{slot} crash-looping, backing off (worker {first} ");
        master.Process.WaitForLine($"standby worker {second} took q slot {slot}", TimeSpan.FromSeconds(10));
        await Wait.UntilAsync(() => master.Workers(Db).Select(PidOf).Contains(second), TimeSpan.FromSeconds(10), "the standby registered. Output:\n" + master.Process.Output);
        output.WriteLine($"kill -9 of a crash-looping slot's worker to the standby registered: {clock.Elapsed.TotalMilliseconds:0} ms");
    }

    [Fact(Timeout = 60_000)]
    public async Task A_stopped_standby_is_passed_over_and_the_slot_gets_a_new_worker()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 1\n  standby: 1\n");
        var victim = PidOf((await master.WaitForWorkersAsync(Db, 1))[0]);
        var standby = 0;
        Wait.Until(() => Standbys(master) is [var only] && (standby = only) != 0, TimeSpan.FromSeconds(20), "one standby");
        try
        {
            Assert.Equal(0, Syscall.kill(standby, Signum.SIGSTOP));
            Wait.Until(() => ProcFs.State(standby) == 'T', TimeSpan.FromSeconds(5), "the standby stopped");
            Assert.Equal(0, Syscall.kill(victim, Signum.SIGKILL));
            // Before, the stopped standby took the slot, which stayed empty until CONT.
            // (The victim may still be listed a moment after the kill: wait for its replacement.)
            await Wait.UntilAsync(() => master.Workers(Db).Select(PidOf).Any(p => p != victim), TimeSpan.FromSeconds(10), "a new worker registered. Output:\n" + master.Process.Output);
            Assert.DoesNotContain(standby, master.Workers(Db).Select(PidOf));
        }
        finally
        {
            Syscall.kill(standby, Signum.SIGCONT);
        }
    }

    [Fact(Timeout = 60_000)]
    public async Task A_standby_exits_when_its_master_is_killed()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q:\n  count: 1\n  standby: 1\n");
        await master.WaitForWorkersAsync(Db, 1);
        var standby = 0;
        Wait.Until(() => Standbys(master) is [var only] && (standby = only) != 0, TimeSpan.FromSeconds(20), "one standby");
        master.Process.WaitForLine(l => l.Contains("standing by", StringComparison.Ordinal) && l.Contains($":{standby}:", StringComparison.Ordinal), TimeSpan.FromSeconds(20));

        Assert.Equal(0, Syscall.kill(master.Process.Pid, Signum.SIGKILL));
        // Its stdin ends with the master: it holds nothing, so it goes at once.
        Wait.Until(() => !ProcFs.IsAlive(standby) || ProcFs.State(standby) == 'Z', TimeSpan.FromSeconds(10), "the standby gone");
        // Its last line can still be on its way through the pipe the test reads when it is gone.
        master.Process.WaitForLine("its master is gone", TimeSpan.FromSeconds(5));
    }

    [Fact(Timeout = 60_000)]
    public async Task A_POOL_STANDBY_in_the_masters_own_environment_does_not_make_its_workers_wait()
    {
        using var master = PoolMasterProcess.Start(redis.Server.Url, _ns, "q: 2\n", new Dictionary<string, string?> { ["POOL_STANDBY"] = "1" });
        // Before, every worker inherited it and waited on the master's stdin for a slot.
        var ids = await master.WaitForWorkersAsync(Db, 2);
        Assert.All(ids.Select(PidOf), pid => Assert.False(ProcFs.Environment(pid).ContainsKey("POOL_STANDBY")));
    }

    public void Dispose() => Db.Execute("FLUSHALL");
}
