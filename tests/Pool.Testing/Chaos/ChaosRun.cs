using Pool.Protocol.Recovery;
using System.Diagnostics;
using Mono.Unix.Native;
using StackExchange.Redis;

namespace Pool.Testing.Chaos;

/// <summary>
/// Breaks a real pool on purpose and counts what survives. pool-master supervises pool-workers
/// running Record jobs (one unique tag each) on a redis-server with AOF (appendfsync always).
/// Jobs arrive in waves, one wave just before each blow, so blows land while jobs run:
/// kill -9 of a random registered worker every few hundred ms, kill -9 of the master once (and a
/// new master at once), one Redis restart, and bursts of HUP, TTIN and TTOU to the master.
/// Then it drains with a deadline, stops the master with TERM, and takes a census: tags never
/// recorded (lost), extra records (duplicates), zombies, orphans, the failed list, and whatever
/// is left in the registry. The test asserts on the result; the bench prints it.
/// </summary>
public sealed partial class ChaosRun : IAsyncDisposable
{
    private const string Queue = "chaos";

    private readonly ChaosOptions _options;
    private readonly Random _random;
    private readonly string _ns = RedisServer.NewNamespace("chaos");
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-chaos").FullName;
    private readonly RedisServer _redis = RedisServer.Start(appendOnly: true);
    private readonly List<TestProcess> _masters = [];
    // Every worker pid ever seen, so a zombie or a survivor among them is found at the end.
    private readonly SeenWorkers _seenWorkers = new();
    private TestProcess _master = null!;

    private int _wave, _workerKills, _stalls, _masterKills, _redisRestarts, _bursts, _producerRetries, _workersAtRestart;
    private Task<TimeSpan?> _orphansGone = Task.FromResult<TimeSpan?>(TimeSpan.Zero);

    public ChaosRun(ChaosOptions options)
    {
        _options = options;
        _random = new Random(options.Seed);
    }

    private string RecordPath => Path.Combine(_dir, "records.txt");
    private IDatabase Db => _redis.Db;

    public async Task<ChaosResult> RunAsync(CancellationToken ct = default)
    {
        _options.Log($"chaos: ns={_ns} seed={_options.Seed} jobs={_options.Jobs} workers={_options.Workers}x{_options.Concurrency} standby={_options.Standby} for={_options.ChaosFor.TotalSeconds:0}s redis port={_redis.Port}");
        File.WriteAllText(RecordPath, "");
        File.WriteAllText(ConfigPath, _options.Concurrency == 1 && _options.Standby == 0
            ? $"{Queue}: {_options.Workers}\n"
            : $"{Queue}:\n  count: {_options.Workers}\n  concurrency: {_options.Concurrency}\n  standby: {_options.Standby}\n");
        _master = StartMaster();
        await WaitForReadyWorkersAsync(_options.Workers, TimeSpan.FromSeconds(60)).ConfigureAwait(false);

        var tags = Enumerable.Range(0, _options.Jobs).Select(i => $"job-{i}").ToList();
        await BreakThingsAsync(tags, ct).ConfigureAwait(false);

        var drainClock = Stopwatch.StartNew();
        var drained = await DrainAsync(tags).ConfigureAwait(false);
        var drain = drainClock.Elapsed;
        var orphansGone = await _orphansGone.ConfigureAwait(false);

        _master.Signal(Signum.SIGTERM);
        var exitCode = _master.WaitForExit(TimeSpan.FromSeconds(60));
        _options.Log($"chaos: drained={drained} in {drain.TotalSeconds:0.0}s; master exited {exitCode}");
        return await CensusAsync(tags, drained, drain, orphansGone, exitCode).ConfigureAwait(false);
    }

    private string ConfigPath => Path.Combine(_dir, "pool.yml");

    private TestProcess StartMaster()
    {
        var env = PoolEnvironment.For(_redis.Url, _ns, new Dictionary<string, string?>
        {
            ["POOL_LOG_LEVEL"] = null,
            ["DYNO"] = null,
            ["RESQUE_TERM_TIMEOUT"] = null,
            // Record jobs take microseconds; a short deadline keeps a stuck stop from hiding in the drain time.
            ["TERM_TIMEOUT"] = "5",
            ["POOL_LEASE"] = _options.Lease.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // A slot whose workers are killed again and again backs off exponentially (up to 30 s);
            // the chaos is about delivery, so the backoff is capped low enough not to decide the drain time.
            ["POOL_BACKOFF_MAX"] = "2",
        });
        var master = TestProcess.Start(Artifacts.PoolMaster, ["run", "-c", ConfigPath], env, _dir);
        _masters.Add(master);
        return master;
    }

    /// <summary>Workers of this run that are alive and registered in NS:workers (so they have taken or can take jobs).</summary>
    private List<int> ReadyWorkers() => ReadyLanes().Select(lane => lane.Pid).Distinct().ToList();

    /// <summary>The registered worker ids (one per lane) of this run's live worker processes.</summary>
    private List<(string Id, int Pid)> ReadyLanes()
    {
        var live = PoolProcesses.Workers(_ns);
        _seenWorkers.Add(live);
        var alive = live.ToHashSet();
        return Db.SetMembers($"{_ns}:workers").Select(v => (string)v!)
            .Select(id => (Id: id, Pid: WorkerIdentity.Parse(id).Pid ?? -1))
            .Where(lane => alive.Contains(lane.Pid)).ToList();
    }

    /// <summary>
    /// Ready workers each of whose lanes has finished a job since it registered. Only these are
    /// killed: a worker killed again and again before its first jobs end (a respawn on a loaded
    /// machine can take longer than the gap between kills) is a crash loop, and the jobs at the
    /// head of the queue it keeps taking rightly turn poison after 3 deaths, which is not what
    /// this chaos is about. Each kill still lands mid-job most of the time.
    /// </summary>
    private List<int> KillableWorkers()
    {
        var lanes = ReadyLanes();
        var processed = Db.StringGet(lanes.Select(lane => (RedisKey)$"{_ns}:stat:processed:{lane.Id}").ToArray());
        return lanes.Select((lane, i) => (lane.Pid, Worked: processed[i].TryParse(out long n) && n > 0))
            .GroupBy(lane => lane.Pid)
            .Where(worker => worker.All(lane => lane.Worked))
            .Select(worker => worker.Key).ToList();
    }

    private Task WaitForReadyWorkersAsync(int count, TimeSpan timeout) =>
        Wait.UntilAsync(() => ReadyWorkers().Count(p => ProcFs.ParentPidOrNull(p) == _master.Pid) >= count, timeout,
            $"{count} registered workers. Master output:\n{_master.Output}");

    public async ValueTask DisposeAsync()
    {
        foreach (var master in _masters) master.Dispose();
        // Each worker leads its own process group; a failed run must not leave any behind. Only
        // processes that still carry this run's namespace: an old pid may belong to someone else now.
        foreach (var pid in PoolProcesses.InNamespace(_ns)) Syscall.kill(-pid, Signum.SIGKILL);
        await _redis.DisposeAsync().ConfigureAwait(false);
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
