using Pool.Protocol.Recovery;
using System.Diagnostics;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Harness;

/// <summary>Reads a running pool's state from Redis and /proc, and times waits on it.</summary>
public sealed class PoolProbe(IDatabase db, string ns)
{
    /// <summary>Pids of workers in the Resque registry (ids are host:pid:queues).</summary>
    public HashSet<int> RegisteredPids() =>
        db.SetMembers($"{ns}:workers").Select(v => WorkerIdentity.Parse(v!).Pid ?? -1).Where(p => p > 0).ToHashSet();

    /// <summary>Live registered worker pids that are children of the master.</summary>
    public HashSet<int> ReadyChildren(int masterPid)
    {
        var children = ProcFs.Children(masterPid).ToHashSet();
        var ready = RegisteredPids();
        ready.IntersectWith(children);
        return ready;
    }

    /// <summary>Waits until <paramref name="count"/> children of the master are registered and none holds a job.</summary>
    public void WaitUntilIdle(int masterPid, int count, TimeSpan timeout) =>
        Wait.Until(() =>
        {
            var ready = ReadyChildren(masterPid);
            return ready.Count == count && !db.SetMembers($"{ns}:workers").Any(id => db.KeyExists($"{ns}:worker:{id}"));
        }, timeout, $"{count} idle workers registered");

    public static TimeSpan Time(Func<bool> condition, TimeSpan timeout, string because)
    {
        var sw = Stopwatch.StartNew();
        Wait.Until(condition, timeout, because);
        return sw.Elapsed;
    }

    public long TotalCommands() => InfoNumber(db, "stats", "total_commands_processed");

    /// <summary>One numeric field of Redis's INFO (a section, then "field:value" lines).</summary>
    public static long InfoNumber(IDatabase db, string section, string field)
    {
        var info = db.Execute("INFO", section).ToString();
        var line = info.Split('\n').First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line[(field.Length + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
