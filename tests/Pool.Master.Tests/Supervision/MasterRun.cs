using System.Diagnostics;
using System.Globalization;
using Mono.Unix.Native;
using Pool.Testing;

namespace Pool.Master.Tests.Supervision;

/// <summary>
/// A real pool-master supervising pool-test-worker children, in its own temp directory with its
/// own pool.yml. Workers append their events to a shared log file (POOL_TEST_LOG) so a test can
/// read them by pid. Disposing kills the master and every worker group it ever saw.
/// </summary>
internal sealed class MasterRun : IDisposable
{
    private readonly SeenWorkers _seenWorkers = new();

    public string Dir { get; } = Directory.CreateTempSubdirectory("pool-master-test").FullName;
    public string ConfigPath => Path.Combine(Dir, "pool.yml");
    public string WorkerLog => Path.Combine(Dir, "workers.log");
    public TestProcess Master { get; private set; } = null!;
    public Stopwatch Clock { get; } = new();

    /// <param name="ignoring">Signal names a shell ignores before it execs the master, as a script's `pool-master &` or nohup would.</param>
    /// <param name="fileLimit">An open-files limit (soft and hard) set before the master starts, as `ulimit -n` would.</param>
    public static MasterRun Start(string yaml, string mode = "well-behaved", IDictionary<string, string?>? env = null,
        IReadOnlyList<string>? ignoring = null, int? fileLimit = null, params string[] extraArgs)
    {
        var run = new MasterRun();
        File.WriteAllText(run.ConfigPath, yaml);
        var fullEnv = new Dictionary<string, string?>
        {
            ["POOL_TEST_LOG"] = run.WorkerLog,
            ["REDIS_URL"] = "redis://127.0.0.1:1",
            ["TERM_TIMEOUT"] = null,
            ["RESQUE_TERM_TIMEOUT"] = null,
            ["DYNO"] = null,
        };
        foreach (var (k, v) in env ?? new Dictionary<string, string?>()) fullEnv[k] = v;
        run.Clock.Start();
        string[] argv = ["run", "-c", run.ConfigPath, "-w", $"{Artifacts.TestWorker} {mode}", .. extraArgs];
        // exec keeps the pid, so Master.Pid is the master's either way.
        var prelude = new List<string>();
        if (ignoring is not null) prelude.Add($"trap '' {string.Join(' ', ignoring)}");
        if (fileLimit is { } limit) prelude.Add($"ulimit -n {limit}");
        run.Master = prelude.Count == 0
            ? TestProcess.Start(Artifacts.PoolMaster, argv, fullEnv, run.Dir)
            : TestProcess.Start("bash", ["-c", $"{string.Join("; ", prelude)}; exec \"$@\"", "pool-master", Artifacts.PoolMaster, .. argv], fullEnv, run.Dir);
        return run;
    }

    /// <summary>Live children of the master (not zombies).</summary>
    public IReadOnlyList<int> Workers()
    {
        var pids = ProcFs.Children(Master.Pid).Where(ProcFs.IsAlive).ToList();
        _seenWorkers.Add(pids);
        return pids;
    }

    /// <summary>Waits until exactly <paramref name="count"/> workers are alive and have each printed READY.</summary>
    public IReadOnlyList<int> WaitForReadyWorkers(int count, TimeSpan? timeout = null)
    {
        IReadOnlyList<int> pids = [];
        Wait.Until(() =>
        {
            pids = Workers();
            return pids.Count == count && pids.All(p => HasLogged(p, "READY"));
        }, timeout ?? TimeSpan.FromSeconds(15), $"{count} ready workers; now {Workers().Count}. Master output:\n{Master.Output}");
        return pids;
    }

    public IReadOnlyList<string> WorkerLines() =>
        File.Exists(WorkerLog) ? File.ReadAllLines(WorkerLog) : [];

    public bool HasLogged(int pid, string text) =>
        WorkerLines().Any(l => l.StartsWith($"test-worker {pid.ToString(CultureInfo.InvariantCulture)} ", StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal));

    public void WaitForWorkerLine(int pid, string text, TimeSpan? timeout = null) =>
        Wait.Until(() => HasLogged(pid, text), timeout ?? TimeSpan.FromSeconds(10),
            $"worker {pid} to log '{text}'. Worker log:\n{string.Join('\n', WorkerLines())}\nMaster:\n{Master.Output}");

    public void Signal(Signum signal) => Master.Signal(signal);

    /// <summary>Sends a stop signal and waits for the master's exit; returns its code and how long it took.</summary>
    public (int Code, TimeSpan Took) StopAndTime(Signum signal, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        Master.Signal(signal);
        var code = Master.WaitForExit(timeout);
        return (code, clock.Elapsed);
    }

    /// <summary>Drain-report lines whose outcome contains <paramref name="outcome"/>.</summary>
    public int DrainLines(string outcome) =>
        MasterLines().Count(l => l.Contains("drain: worker", StringComparison.Ordinal) && l.Contains(outcome, StringComparison.Ordinal));

    /// <summary>Lines the master itself logged (not its workers' stdout, which it shares).</summary>
    public IEnumerable<string> MasterLines() => Master.Lines.Where(l => l.Contains(MasterTag, StringComparison.Ordinal));

    /// <summary>Every line names its writer and its pid: " [master 123] ".</summary>
    private string MasterTag => $" [master {Master.Pid}] ";

    /// <summary>The master's stdout is read asynchronously: wait for its line rather than assume it is in yet.</summary>
    public string WaitForMasterLine(string text, TimeSpan? timeout = null) =>
        Master.WaitForLine(l => l.Contains(MasterTag, StringComparison.Ordinal) && l.Contains(text, StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(10), text);

    public void WriteConfig(string yaml) => File.WriteAllText(ConfigPath, yaml);

    public void Dispose()
    {
        Master?.Dispose();
        _seenWorkers.KillGroups();
        try { Directory.Delete(Dir, recursive: true); }
        catch (IOException) { }
    }
}
