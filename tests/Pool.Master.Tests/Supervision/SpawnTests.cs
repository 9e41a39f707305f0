using System.Diagnostics;
using System.Globalization;
using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

public sealed class SpawnTests(ITestOutputHelper output)
{
    [Fact]
    public void Each_worker_gets_its_queues_slot_deadline_redis_and_master_in_its_environment()
    {
        using var run = MasterRun.Start("\"bar,baz\": 2\ncrunch:\n  count: 1\n  term_timeout: 7\n  max_jobs: 50\n",
            env: new Dictionary<string, string?> { ["POOL_NAMESPACE"] = "myapp" }, extraArgs: ["--term-timeout", "4", "--redis", "redis://127.0.0.1:6399/2"]);
        var pids = run.WaitForReadyWorkers(3);

        var envs = pids.Select(ProcFs.Environment).ToList();
        var master = run.Master.Pid.ToString(CultureInfo.InvariantCulture);
        Assert.All(envs, e =>
        {
            Assert.Equal("1", e["TERM_CHILD"]);
            Assert.Equal(master, e["POOL_MASTER_PID"]);
            Assert.Equal("redis://127.0.0.1:6399/2", e["REDIS_URL"]);
            Assert.Equal("myapp", e["POOL_NAMESPACE"]);
        });
        var barBaz = envs.Where(e => e["QUEUES"] == "bar,baz").ToList();
        Assert.Equal(["0", "1"], barBaz.Select(e => e["POOL_WORKER_SLOT"]).Order());
        Assert.All(barBaz, e => Assert.Equal("4", e["TERM_TIMEOUT"]));
        Assert.All(barBaz, e => Assert.False(e.ContainsKey("POOL_MAX_JOBS")));
        var crunch = Assert.Single(envs, e => e["QUEUES"] == "crunch");
        Assert.Equal("7", crunch["TERM_TIMEOUT"]);
        Assert.Equal("50", crunch["POOL_MAX_JOBS"]);
        Assert.Equal("0", crunch["POOL_WORKER_SLOT"]);
    }

    [Fact]
    public void Each_worker_is_a_direct_child_that_leads_its_own_process_group()
    {
        using var run = MasterRun.Start("foo: 2\n");
        var pids = run.WaitForReadyWorkers(2);

        Assert.All(pids, pid =>
        {
            Assert.Equal(pid, ProcFs.ProcessGroup(pid));
            Assert.Equal(run.Master.Pid, ProcFs.ParentPid(pid));
        });
        Assert.NotEqual(ProcFs.ProcessGroup(run.Master.Pid), ProcFs.ProcessGroup(pids[0]));
        // The OOM killer picks a worker before its master (whose job the master would put back).
        var masterScore = OomScore(run.Master.Pid);
        Assert.All(pids, pid => Assert.Equal(Math.Min(1000, masterScore + 500), OomScore(pid)));
    }

    private static int OomScore(int pid) => int.Parse(File.ReadAllText($"/proc/{pid}/oom_score_adj").Trim(), CultureInfo.InvariantCulture);

    [Fact]
    public void A_group_command_overrides_the_default_worker_command()
    {
        using var run = MasterRun.Start($"foo: 1\nspecial:\n  count: 1\n  command: \"{Artifacts.TestWorker} ignore-term\"\n");
        var pids = run.WaitForReadyWorkers(2);

        var special = Assert.Single(pids, p => ProcFs.Environment(p)["QUEUES"] == "special");
        Assert.True(run.HasLogged(special, "mode=ignore-term"));
        Assert.True(run.HasLogged(pids.Single(p => p != special), "mode=well-behaved"));
    }

    [Fact]
    public void A_worker_killed_with_SIGKILL_is_replaced_in_its_slot_within_a_second_and_reaped()
    {
        using var run = MasterRun.Start("foo: 2\n");
        var before = run.WaitForReadyWorkers(2);
        var victim = before[0];
        var slot = ProcFs.Environment(victim)["POOL_WORKER_SLOT"];

        var clock = Stopwatch.StartNew();
        Syscall.kill(victim, Signum.SIGKILL);
        int replacement = 0;
        Wait.Until(() => (replacement = run.Workers().Except(before).FirstOrDefault()) != 0, TimeSpan.FromSeconds(1),
            "a replacement worker within 1 s. Master:\n" + run.Master.Output);
        var running = clock.Elapsed;
        run.WaitForWorkerLine(replacement, "READY");
        output.WriteLine($"kill -9 to replacement running: {running.TotalMilliseconds:0} ms; to READY: {clock.Elapsed.TotalMilliseconds:0} ms");

        Assert.Equal(slot, ProcFs.Environment(replacement)["POOL_WORKER_SLOT"]);
        // The crash line names the signal, not .NET's 128 + N exit code.
        run.WaitForMasterLine($"worker {victim} (foo slot {slot}) was killed by SIGKILL after");
        Assert.Null(ProcFs.State(victim)); // reaped: no zombie left behind
        Assert.Empty(ProcFs.UnreapedChildren(run.Master.Pid)); // reaped, not merely not yet
    }

    [Fact]
    public void A_worker_that_crashes_at_start_is_respawned_with_backoff_and_the_loop_is_logged_once()
    {
        using var run = MasterRun.Start("foo: 1\n", mode: "crash-at-start");

        run.WaitForMasterLine("crash-looping", TimeSpan.FromSeconds(10));
        var window = Stopwatch.StartNew();
        var startCount = run.WorkerLines().Count(l => l.Contains("start then crash", StringComparison.Ordinal));
        Wait.Until(() => window.Elapsed > TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(5));
        var spawned = run.WorkerLines().Count(l => l.Contains("start then crash", StringComparison.Ordinal)) - startCount;
        output.WriteLine($"crash-at-start: {spawned} spawns in 3 s once looping");

        // 0.1 s doubling: about 5 attempts in the first 3 s of a loop; never a spin.
        Assert.InRange(spawned, 1, 8);
        Assert.Single(run.MasterLines(), l => l.Contains("crash-looping", StringComparison.Ordinal));
        Assert.Empty(ProcFs.UnreapedChildren(run.Master.Pid)); // reaped, not merely not yet
    }

    [Fact]
    public void A_crash_looping_slot_whose_worker_stays_up_is_declared_healthy_once()
    {
        using var crashFlag = new TempFile();
        var env = new Dictionary<string, string?>
        {
            ["POOL_TEST_CRASH_FILE"] = crashFlag.Path, ["POOL_BACKOFF_RESET"] = "1", ["POOL_BACKOFF_MAX"] = "0.4",
        };
        using var run = MasterRun.Start("foo: 1\n", mode: "crash-while-file", env: env);
        run.WaitForMasterLine("crash-looping", TimeSpan.FromSeconds(10));

        File.Delete(crashFlag.Path);
        var worker = run.WaitForReadyWorkers(1)[0];
        run.WaitForMasterLine("healthy again", TimeSpan.FromSeconds(5));

        var line = Assert.Single(run.MasterLines(), l => l.Contains("healthy again", StringComparison.Ordinal));
        Assert.Contains(worker.ToString(CultureInfo.InvariantCulture), line);
        Assert.Single(run.MasterLines(), l => l.Contains("crash-looping", StringComparison.Ordinal));
    }

    private sealed class TempFile : IDisposable
    {
        public string Path { get; } = System.IO.Path.GetTempFileName();

        public void Dispose() => File.Delete(Path);
    }
}
