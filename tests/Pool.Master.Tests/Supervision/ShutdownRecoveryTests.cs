using System.Text.RegularExpressions;
using Mono.Unix.Native;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Supervision;

/// <summary>
/// pool-master on a real Redis recovering the jobs of children that die: a Pool worker killed
/// during the master's own stop, and foreign workers that registered the Resque way.
/// </summary>
public sealed partial class ShutdownRecoveryTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly string _ns = RedisServer.NewNamespace();
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-recovery").FullName;
    private ResqueKeys Keys => new(_ns);
    private IDatabase Db => redis.Server.Db;

    private TestProcess StartMaster(string yaml, string workerCommand)
    {
        var config = Path.Combine(_dir, "pool.yml");
        File.WriteAllText(config, yaml);
        return TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", config, "-w", workerCommand], PoolEnvironment.For(redis.Server.Url, _ns, new Dictionary<string, string?>
        {
            ["TERM_TIMEOUT"] = "20",
            ["RESQUE_TERM_TIMEOUT"] = null,
            ["DYNO"] = null,
        }), _dir);
    }

    private static int OnlyChild(TestProcess master)
    {
        var pids = Array.Empty<int>();
        Wait.Until(() => (pids = [.. ProcFs.Children(master.Pid).Where(ProcFs.IsAlive)]).Length == 1, TimeSpan.FromSeconds(15), "one worker");
        return pids[0];
    }

    [Fact(Timeout = 60_000)]
    public async Task A_worker_killed_during_the_masters_stop_has_its_job_requeued_before_the_master_exits_and_nothing_follows_the_exit_line()
    {
        using var master = StartMaster("q: 1\n", Artifacts.PoolWorker);
        master.WaitForLine("Worker ready", TimeSpan.FromSeconds(15));
        var worker = OnlyChild(master);
        // Stubborn ignores TERM, so the worker is still running it when it is killed.
        await new Pool.Protocol.Producing.Producer(redis.Server.Connection, _ns).EnqueueRawAsync("q", """{"class":"Stubborn","args":[60]}""");
        master.WaitForLine("Job started Stubborn", TimeSpan.FromSeconds(10));

        master.Signal(Signum.SIGTERM);
        master.WaitForLine("stage signal");
        Assert.Equal(0, Syscall.kill(worker, Signum.SIGKILL));
        Assert.Equal(0, master.WaitForExit(TimeSpan.FromSeconds(15)));

        // Read at once: the master waited for the recovery, nobody else recovers in this namespace.
        Assert.Equal("""{"class":"Stubborn","args":[60],"pool_attempts":1}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight(WorkerIdentity.For(worker, "q"))));
        var lines = master.Lines.ToList();
        Assert.Contains(lines, l => l.Contains($"recovered the job of dead worker {worker}: requeued Stubborn on q", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("killed by SIGKILL", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("exited by itself with code 137", StringComparison.Ordinal));
        Assert.Contains("pool-master exiting with 0", lines[^1], StringComparison.Ordinal);
    }

    [Theory(Timeout = 60_000)]
    [InlineData("leader")]   // registered under the child's own pid, as `bundle exec rake resque:work` (exec) does
    [InlineData("member")]   // registered by another process of its group, as `sh -c "rake resque:work"` does
    public async Task A_foreign_worker_killed_with_a_job_has_it_recorded_as_Resque_DirtyExit_never_deleted(string who)
    {
        var script = Path.Combine(_dir, "foreign-worker.sh");
        File.WriteAllText(script, ForeignWorkerScript);
        using var master = StartMaster("q: 1\n", $"bash {script} {who}");
        var registered = master.WaitForLine("foreign-worker registered ", TimeSpan.FromSeconds(15));
        var id = registered[(registered.IndexOf("registered ", StringComparison.Ordinal) + "registered ".Length)..];
        var pid = WorkerIdentity.Parse(id).Pid!.Value;
        // The master's child leads its own group; the registering process is it or one of its group.
        var leader = ProcFs.ProcessGroup(pid);
        Assert.Equal(leader, Assert.Single(ProcFs.Children(master.Pid), ProcFs.IsAlive));
        Assert.Equal(who == "leader", pid == leader);
        Assert.True(await Db.KeyExistsAsync(Keys.Worker(id)));

        Assert.Equal(0, Syscall.kill(leader, Signum.SIGKILL));
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Failed) == 1, TimeSpan.FromSeconds(10), "the job in resque:failed");

        var failure = (string)(await Db.ListGetByIndexAsync(Keys.Failed, 0))!;
        // Resque's own record (Failure::Redis#save of Resque::DirtyExit.new("Job still being processed")), field for field.
        Assert.Matches(FailedAt(), failure);
        Assert.EndsWith($$""" UTC","payload":{"class":"Record","args":["x"]},"exception":"Resque::DirtyExit","error":"Job still being processed","backtrace":[],"worker":"{{id}}","queue":"q"}""", failure, StringComparison.Ordinal);
        Assert.False(await Db.KeyExistsAsync(Keys.Worker(id)));
        Assert.False(await Db.SetContainsAsync(Keys.Workers, id));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));
        // Resque counts no stat:failed for a DirtyExit recorded by unregister_worker; neither does Pool.
        Assert.False(await Db.KeyExistsAsync(Keys.StatFailed));
        master.WaitForLine("Resque::DirtyExit");

        master.Signal(Signum.SIGTERM);
        Assert.Equal(0, master.WaitForExit(TimeSpan.FromSeconds(15)));
        Assert.Contains("pool-master exiting with 0", master.Lines.Last(), StringComparison.Ordinal);
    }

    /// <summary>A foreign worker: registers the Resque way (as Ruby's Worker#register_worker and working_on do), then works forever.</summary>
    private const string ForeignWorkerScript = """
        set -eu
        register() {
          id="$(hostname):$1:q,other"
          redis-cli -u "$REDIS_URL" SADD "$POOL_NAMESPACE:workers" "$id" >/dev/null
          redis-cli -u "$REDIS_URL" SET "$POOL_NAMESPACE:worker:$id" '{"queue":"q","run_at":"2026-11-25T13:33:11Z","payload":{"class":"Record","args":["x"]}}' >/dev/null
          echo "foreign-worker registered $id"
        }
        if [ "$1" = leader ]; then
          register $$
          exec sleep 1000
        fi
        ( register "$BASHPID"; exec sleep 1000 ) &
        wait
        """;

    [GeneratedRegex("""^\{"failed_at":"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d UTC","payload":""")]
    private static partial Regex FailedAt();

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
