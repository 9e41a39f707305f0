using Pool.Testing;

namespace Pool.Master.Tests.Capacity;

/// <summary>
/// A real master under a real memory limit: a cgroup the test creates (see MemoryCgroup), the
/// master started inside it, its workers inheriting it. What the master reads as its limit, what
/// `auto` resolves to, and the budget gate with workers that really hold memory.
/// </summary>
public sealed class MemoryLimitProcessTests : IDisposable
{
    private const long Mb = 1024 * 1024;
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-memlimit").FullName;
    private readonly List<IDisposable> _cleanup = [];

    private MemoryCgroup Cgroup(long bytes)
    {
        var cgroup = MemoryCgroup.TryCreate(bytes, out var why) ?? throw new InvalidOperationException("cgroup vanished: " + why);
        _cleanup.Add(cgroup);
        return cgroup;
    }

    private TestProcess StartIn(MemoryCgroup cgroup, string yaml, IDictionary<string, string?> env, params string[] args)
    {
        var config = Path.Combine(_dir, "pool.yml");
        File.WriteAllText(config, yaml);
        var (exe, argv) = cgroup.Wrap(Artifacts.PoolMaster, [.. args, "-c", config]);
        var process = TestProcess.Start(exe, argv, env, _dir);
        _cleanup.Insert(0, process);
        return process;
    }

    private static Dictionary<string, string?> Env(Dictionary<string, string?>? extra = null)
    {
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = "redis://127.0.0.1:1", ["TERM_TIMEOUT"] = "5", ["DYNO"] = null, ["RESQUE_TERM_TIMEOUT"] = null, ["POOL_JOBS"] = Artifacts.SamplesDll };
        foreach (var (k, v) in extra ?? []) env[k] = v;
        return env;
    }

    [MemoryCgroupFact(Timeout = 60_000)]
    public async Task Check_inside_a_cgroup_reads_its_limit_and_resolves_auto_from_it()
    {
        // Off the test thread: the waits below block.
        await Task.Yield();
        var cgroup = Cgroup(400 * Mb);
        var check = StartIn(cgroup, "work:\n  count: auto\n  memory_limit_mb: 100\n", Env(), "check");

        Assert.Equal(0, check.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Contains($"memory limit: 400 MB (cgroup {cgroup.Version} ", check.Output);
        Assert.Contains("memory budget: 336 MB (default: the memory limit 400 MB", check.Output);
        // (336 - 48 for the master) / 100 per worker.
        Assert.Contains("work: auto = 2: budget 336 MB", check.Output);
    }

    [MemoryCgroupFact(Timeout = 90_000)]
    public async Task Run_starts_what_auto_resolved_to_under_the_cgroup_limit()
    {
        // Off the test thread: the waits below block.
        await Task.Yield();
        var cgroup = Cgroup(400 * Mb);
        var master = StartIn(cgroup, "work:\n  count: auto\n  memory_limit_mb: 100\n", Env(), "run", "-w", $"{Artifacts.TestWorker} well-behaved");

        master.WaitForLine("supervising 2 worker(s)", TimeSpan.FromSeconds(20));
        Wait.Until(() => ProcFs.Children(master.Pid).Count(ProcFs.IsAlive) == 2, TimeSpan.FromSeconds(20), "two workers");
        Assert.All(ProcFs.Children(master.Pid), pid => Assert.Contains(Path.GetFileName(cgroup.Dir), File.ReadAllText($"/proc/{pid}/cgroup")));
    }

    [MemoryCgroupFact(Timeout = 90_000)]
    public async Task The_budget_gate_keeps_the_pool_within_its_budget_and_refills_a_slot_when_memory_frees()
    {
        // Off the test thread: the waits below block.
        await Task.Yield();
        // Limit 600 MB: budget 536 MB. Each worker holds 100 MB. Before any is measured, each counts
        // at its memory_limit_mb of 150 MB: 48 + 3 x 150 = 498 fits, a fourth (648) does not. Once
        // measured (about 105 MB of PSS each) a fourth fits, and never a sixth.
        var cgroup = Cgroup(600 * Mb);
        var master = StartIn(cgroup, "fat:\n  count: 6\n  memory_limit_mb: 150\n",
            Env(new() { ["POOL_TEST_LOG"] = Path.Combine(_dir, "workers.log"), ["POOL_TEST_HOG_MB"] = "100" }),
            "run", "-w", $"{Artifacts.TestWorker} hog");

        master.WaitForLine("memory budget: not starting a worker for fat", TimeSpan.FromSeconds(20));
        // Refused at the first pass, before any worker had run the 2 s it takes to be measured.
        var lines = master.Lines.ToList();
        var refusal = lines.FindIndex(l => l.Contains("memory budget: not starting", StringComparison.Ordinal));
        Assert.Equal(3, lines.Take(refusal).Count(l => l.Contains("spawned worker", StringComparison.Ordinal)));
        Assert.Equal(1, master.CountLines("memory budget: not starting a worker for fat"));

        // Settled: within the budget, as PSS, and short of the configured 6.
        Thread.Sleep(TimeSpan.FromSeconds(5));
        var workers = ProcFs.Children(master.Pid).Where(ProcFs.IsAlive).ToList();
        Assert.InRange(workers.Count, 3, 5);
        Assert.InRange(Pss(master.Pid) + workers.Sum(Pss), 0, 536 * Mb);

        // One dies: its memory is free again, so its slot is refilled.
        Mono.Unix.Native.Syscall.kill(workers[0], Mono.Unix.Native.Signum.SIGKILL);
        Wait.Until(() => ProcFs.Children(master.Pid).Where(ProcFs.IsAlive).Except(workers).Any(), TimeSpan.FromSeconds(20), "a replacement worker");
        Thread.Sleep(TimeSpan.FromSeconds(3));
        var after = ProcFs.Children(master.Pid).Where(ProcFs.IsAlive).ToList();
        Assert.InRange(after.Count, 3, 5);
        Assert.InRange(Pss(master.Pid) + after.Sum(Pss), 0, 536 * Mb);
    }

    [MemoryCgroupFact(Timeout = 90_000)]
    public async Task After_the_kernels_oom_killer_strikes_the_budget_is_what_the_pool_held_and_no_slot_is_refilled_past_it()
    {
        // Off the test thread: the waits below block.
        await Task.Yield();
        // A budget above the 300 MB limit admits 6 workers at the 64 MB estimate, but each holds
        // 100 MB: the third or so takes the cgroup to its OOM killer. Before, each killed
        // worker's slot was refilled after its backoff, and the kernel killed it again, for ever.
        var cgroup = Cgroup(300 * Mb);
        var master = StartIn(cgroup, "memory_budget: 600MB\nfat:\n  count: 6\n",
            Env(new() { ["POOL_TEST_LOG"] = Path.Combine(_dir, "workers.log"), ["POOL_TEST_HOG_MB"] = "100" }),
            "run", "-w", $"{Artifacts.TestWorker} hog");

        master.WaitForLine("the kernel's OOM killer killed", TimeSpan.FromSeconds(30));
        master.WaitForLine("memory budget: not starting a worker for fat", TimeSpan.FromSeconds(30));
        // The kills stop: the counter holds still for 6 s.
        var kills = OomKills(cgroup);
        var since = DateTime.UtcNow;
        Wait.Until(() =>
        {
            var now = OomKills(cgroup);
            if (now != kills) (kills, since) = (now, DateTime.UtcNow);
            return DateTime.UtcNow - since > TimeSpan.FromSeconds(6);
        }, TimeSpan.FromSeconds(40), "no OOM kill for 6 s");
        Assert.True(ProcFs.IsAlive(master.Pid));
        Assert.InRange(ProcFs.Children(master.Pid).Count(ProcFs.IsAlive), 1, 2);
    }

    private static long OomKills(MemoryCgroup cgroup)
    {
        var file = Path.Combine(cgroup.Dir, cgroup.Version == "v2" ? "memory.events" : "memory.oom_control");
        var line = File.ReadAllLines(file).Single(l => l.StartsWith("oom_kill ", StringComparison.Ordinal));
        return long.Parse(line["oom_kill ".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    private static long Pss(int pid) => Pool.Master.Capacity.ProcessPss.Read(pid) ?? 0;

    public void Dispose()
    {
        foreach (var item in _cleanup)
        {
            if (item is TestProcess p) KillTree(p.Pid);
            item.Dispose();
        }
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }

    private static void KillTree(int master)
    {
        foreach (var child in ProcFs.Children(master)) Mono.Unix.Native.Syscall.kill(-child, Mono.Unix.Native.Signum.SIGKILL);
    }
}
