using System.Text;
using System.Text.Json;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Capacity;

/// <summary>
/// Where masters leave their memory and autoscaling picture for `pool-master status`, which only
/// reads Redis: NS:pool:capacity:HOST:PID holds the JSON (it expires), and the sorted set
/// NS:pool:capacity-masters lists them by expiry time, so status finds them without a KEYS scan.
/// </summary>
internal static class CapacityBoard
{
    private static string Registry(ResqueKeys keys) => keys.CapacityMasters;
    private static string Entry(ResqueKeys keys, string master) => keys.Capacity(master);

    private static string Master(string host, int pid) => $"{host}:{pid}";

    public static Task PublishAsync(IDatabaseAsync db, ResqueKeys keys, CapacityJson json, TimeSpan ttl, DateTimeOffset now)
    {
        var master = Master(json.Host, json.Pid);
        return Task.WhenAll(
            db.StringSetAsync(Entry(keys, master), JsonSerializer.Serialize(json), ttl),
            db.SortedSetAddAsync(Registry(keys), master, (now + ttl).ToUnixTimeMilliseconds()));
    }

    /// <summary>Takes a stopping master's entry off the board at once instead of at its TTL.</summary>
    public static Task RemoveAsync(IDatabaseAsync db, ResqueKeys keys, string host, int pid)
    {
        var master = Master(host, pid);
        return Task.WhenAll(db.KeyDeleteAsync(Entry(keys, master)), db.SortedSetRemoveAsync(Registry(keys), master));
    }

    /// <summary>The entries of the masters that published recently; forgets the others.</summary>
    public static async Task<IReadOnlyList<CapacityJson>> ReadAsync(IDatabaseAsync db, ResqueKeys keys, DateTimeOffset now)
    {
        var cutoff = now.ToUnixTimeMilliseconds();
        await db.SortedSetRemoveRangeByScoreAsync(Registry(keys), double.NegativeInfinity, cutoff).ConfigureAwait(false);
        var masters = await db.SortedSetRangeByScoreAsync(Registry(keys), cutoff, double.PositiveInfinity).ConfigureAwait(false);
        if (masters.Length == 0) return [];
        var values = await db.StringGetAsync(masters.Select(m => (RedisKey)Entry(keys, m!)).ToArray()).ConfigureAwait(false);
        var list = new List<CapacityJson>();
        foreach (var value in values)
        {
            if (value.IsNullOrEmpty) continue;
            try
            {
                if (JsonSerializer.Deserialize<CapacityJson>((string)value!) is { } entry) list.Add(entry);
            }
            catch (JsonException)
            {
                // Another version's shape: shown by the master's own /status, skipped here.
            }
        }
        return list;
    }

    /// <summary>The lines `pool-master status` prints under its worker table.</summary>
    public static string Render(IReadOnlyList<CapacityJson> masters)
    {
        var sb = new StringBuilder();
        foreach (var m in masters)
        {
            sb.Append($"\nmaster {m.Host}:{m.Pid}: memory {Megabytes.Format(m.UsedBytes)} counted (each worker at its group's estimate, or its PSS if more) of budget {Megabytes.Format(m.BudgetBytes)} ({m.BudgetWhy})\n");
            foreach (var g in m.Groups)
            {
                sb.Append($"  {g.Group}: {g.Workers} worker(s), target {g.Target}");
                if (g.Range is { } range) sb.Append($" in {range}");
                if (g.Waiting is { } waiting) sb.Append($"; {waiting} waiting, {g.Busy ?? 0} busy, oldest {(g.OldestAgeSeconds is { } age ? $"{age:0.#} s" : "none")}");
                if (g.WaitingForMemory > 0) sb.Append($"; {g.WaitingForMemory} waiting for memory");
                sb.Append('\n');
                if (g.LastDecision is { } last) sb.Append($"    last decision {g.LastDecisionAt:HH:mm:ss}: {last}\n");
            }
        }
        return sb.ToString();
    }
}
