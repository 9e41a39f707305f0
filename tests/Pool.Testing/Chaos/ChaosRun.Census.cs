using StackExchange.Redis;

namespace Pool.Testing.Chaos;

/// <summary>After the chaos: drain with a deadline, then count what was lost, repeated or left behind.</summary>
public sealed partial class ChaosRun
{
    /// <summary>True when every tag was recorded and nothing is queued or held in flight any more.</summary>
    private async Task<bool> DrainAsync(List<string> tags)
    {
        try
        {
            await Wait.UntilAsync(() => Recorded().Keys.Count >= tags.Count && Db.ListLength($"{_ns}:queue:{Queue}") == 0 && Keys("pool:inflight:*").Count == 0,
                _options.DrainDeadline, "every job run and nothing queued or in flight").ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    // Which blow the duplicates that appeared since the last one belong to (approximate: a blow's
    // reruns normally show up before the next blow, a few hundred ms later).
    private readonly Dictionary<string, int> _duplicatesByBlow = [];
    private string? _lastBlow;
    private int _duplicatesSoFar;

    private void Attribute(string nextBlow)
    {
        var now = Recorded().Values.Sum(n => n - 1);
        if (_lastBlow is not null) _duplicatesByBlow[_lastBlow] = _duplicatesByBlow.GetValueOrDefault(_lastBlow) + now - _duplicatesSoFar;
        _duplicatesSoFar = now;
        _lastBlow = nextBlow;
    }

    /// <summary>How many times each tag was recorded.</summary>
    private Dictionary<string, int> Recorded() => Runs().GroupBy(r => r.Tag).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Every finished run: "tag started ended" lines written by the RecordSpan job.</summary>
    private List<ChaosRunSpan> Runs() => [.. ChaosRunSpan.ReadFinished(RecordPath)];

    private List<string> Keys(string pattern) =>
        ((RedisResult[])Db.Execute("KEYS", $"{_ns}:{pattern}")!).Select(r => (string)r!).ToList();

    private Task<ChaosResult> CensusAsync(List<string> tags, bool drained, TimeSpan drain, TimeSpan? orphansGone, int exitCode)
    {
        Attribute("after the drain");
        var runs = Runs();
        var recorded = runs.GroupBy(r => r.Tag).ToDictionary(g => g.Key, g => g.Count());
        var lost = tags.Where(t => !recorded.ContainsKey(t)).ToList();
        var duplicates = recorded.Values.Sum(n => n - 1);
        var duplicateRuns = ChaosRunSpan.ConsecutiveRuns(tags, t => recorded.GetValueOrDefault(t) > 1);
        var concurrent = ChaosRunSpan.Overlapping(runs);

        // A zombie is a dead process nobody reaped: one of the workers, or a child of ours or of a
        // master. Only one still unreaped 2 s later counts: a process that has just exited
        // is a zombie until its parent's SIGCHLD handler reaps it, and the tests that share this
        // test host start and reap children of their own all the time (one such, caught in that
        // instant under load, failed a CI run).
        var seen = _seenWorkers.All;
        var parents = _masters.Select(m => m.Pid).Append(Environment.ProcessId).ToHashSet();
        bool IsZombie(int p) => ProcFs.State(p) == 'Z' && (seen.Contains(p) || ProcFs.ParentPidOrNull(p) is { } pp && parents.Contains(pp));
        var zombies = ProcFs.UnreapedZombies(ProcFs.AllPids(), IsZombie, TimeSpan.FromSeconds(2)).Select(p => $"{p} (parent {ProcFs.ParentPidOrNull(p)})").ToList();
        var orphans = PoolProcesses.InNamespace(_ns).Select(p => $"{p} (parent {ProcFs.ParentPidOrNull(p)}): {PoolProcesses.CommandLine(p)}").ToList();

        var leftovers = new List<string>();
        void Check(string what, long size) { if (size > 0) leftovers.Add($"{what} = {size}"); }
        Check($"{_ns}:workers", Db.SetLength($"{_ns}:workers"));
        Check($"{_ns}:pool:workers", Db.SetLength($"{_ns}:pool:workers"));
        Check($"{_ns}:queue:{Queue}", Db.ListLength($"{_ns}:queue:{Queue}"));
        foreach (var pattern in new[] { "worker:*", "pool:inflight:*", "pool:lease:*" })
            foreach (var key in Keys(pattern)) leftovers.Add($"{key} exists");

        return Task.FromResult(new ChaosResult
        {
            Jobs = tags.Count,
            WorkerKills = _workerKills,
            MasterKills = _masterKills,
            RedisRestarts = _redisRestarts,
            SignalBursts = _bursts,
            LostTags = lost,
            Duplicates = duplicates,
            DuplicatesByBlow = new Dictionary<string, int>(_duplicatesByBlow),
            DuplicateRuns = duplicateRuns,
            ConcurrentTags = concurrent,
            // The delivery rule: an ack is in Redis before the next job starts, so only a worker
            // killed between a job's return and its ack's arrival re-runs a finished job: at most
            // one per kill, per lane of a process with concurrency N. A stall, a master kill or a
            // Redis restart (AOF always) re-runs nothing. A producer whose reply was lost retries
            // its wave, which may enqueue it twice.
            DuplicateBound = _workerKills * _options.Concurrency + _producerRetries * _wave,
            Stalls = _stalls,
            WorkersAtRedisRestart = _workersAtRestart,
            ProducerRetries = _producerRetries,
            Zombies = zombies,
            Orphans = orphans,
            Failed = Db.ListRange($"{_ns}:failed").Select(v => (string)v!).ToList(),
            Poisoned = Db.ListRange($"{_ns}:failed").Count(v => ((string)v!).Contains("\"exception\":\"Pool::PoisonJob\"", StringComparison.Ordinal)),
            Leftovers = leftovers,
            Drained = drained,
            Drain = drain,
            OrphansGoneAfter = orphansGone,
            MasterExitCode = exitCode,
        });
    }
}
