using System.Text;

namespace Pool.Testing.Chaos;

/// <summary>What a chaos run found. Lost, Zombies, Orphans, Failed and Leftovers should all be zero or empty.</summary>
public sealed record ChaosResult
{
    public required int Jobs { get; init; }
    public required int WorkerKills { get; init; }
    public required int MasterKills { get; init; }
    public required int RedisRestarts { get; init; }
    public required int SignalBursts { get; init; }

    /// <summary>Tags that were never recorded.</summary>
    public required IReadOnlyList<string> LostTags { get; init; }

    /// <summary>Extra runs: the number of Record lines beyond one per tag.</summary>
    public required int Duplicates { get; init; }
    public required int DuplicateBound { get; init; }

    /// <summary>Lengths of the runs of consecutive tags that ran more than once (a lost batch shows as one long run).</summary>
    public required IReadOnlyList<int> DuplicateRuns { get; init; }

    /// <summary>Tags with two runs that overlapped in time: one job on two workers at once.</summary>
    public required IReadOnlyList<string> ConcurrentTags { get; init; }

    /// <summary>Workers stopped with SIGSTOP for a while, then continued.</summary>
    public required int Stalls { get; init; }

    /// <summary>Entries of the failed list that are poison (their workers died running them too often).</summary>
    public required int Poisoned { get; init; }

    /// <summary>Duplicates that appeared after each kind of blow (before the next one).</summary>
    public required IReadOnlyDictionary<string, int> DuplicatesByBlow { get; init; }

    /// <summary>Live workers (pids) at the Redis restart, whose pipelined acks may be lost with it.</summary>
    public required int WorkersAtRedisRestart { get; init; }
    public required int ProducerRetries { get; init; }

    public required IReadOnlyList<string> Zombies { get; init; }
    public required IReadOnlyList<string> Orphans { get; init; }

    /// <summary>Entries of NS:failed (the raw JSON).</summary>
    public required IReadOnlyList<string> Failed { get; init; }

    /// <summary>Registry and queue keys still holding something after shutdown ("key = size").</summary>
    public required IReadOnlyList<string> Leftovers { get; init; }

    public required bool Drained { get; init; }
    public required TimeSpan Drain { get; init; }

    /// <summary>kill -9 of the master until every worker it had has exited; null when some outlived the check.</summary>
    public required TimeSpan? OrphansGoneAfter { get; init; }
    public required int MasterExitCode { get; init; }

    public string Describe()
    {
        var sb = new StringBuilder();
        sb.AppendLine($"jobs={Jobs} worker_kills={WorkerKills} worker_stalls={Stalls} master_kills={MasterKills} redis_restarts={RedisRestarts} signal_bursts={SignalBursts}");
        sb.AppendLine($"lost={LostTags.Count} duplicates={Duplicates} (bound {DuplicateBound}: one per worker kill and lane; workers at Redis restart {WorkersAtRedisRestart}, producer retries {ProducerRetries})");
        sb.AppendLine($"duplicate runs of consecutive jobs={DuplicateRuns.Count} longest={(DuplicateRuns.Count > 0 ? DuplicateRuns.Max() : 0)} concurrent={ConcurrentTags.Count} poisoned={Poisoned}");
        sb.AppendLine("duplicates after: " + string.Join(", ", DuplicatesByBlow.Select(p => $"{p.Key}={p.Value}")));
        sb.AppendLine($"zombies={Zombies.Count} orphans={Orphans.Count} failed={Failed.Count} leftovers={Leftovers.Count}");
        sb.AppendLine($"drained={Drained} drain={Drain.TotalSeconds:0.00}s orphans_gone_after={(OrphansGoneAfter is { } o ? $"{o.TotalMilliseconds:0}ms" : "never")} master_exit={MasterExitCode}");
        foreach (var (name, items) in new[] { ("lost", LostTags), ("concurrent", ConcurrentTags), ("zombie", Zombies), ("orphan", Orphans), ("failed", Failed), ("leftover", Leftovers) })
            foreach (var item in items.Take(10)) sb.AppendLine($"  {name}: {item}");
        return sb.ToString();
    }
}
