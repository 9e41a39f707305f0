using Pool.Protocol.Keys;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// How many jobs wait in all queues together and which queues are the longest, without one LLEN
/// round trip per queue: queue_sizes.lua walks NS:queues with SSCAN inside Redis and sums each
/// slice there, returning only the slice's totals and its longest few, so 10,000 queues cost ten
/// short script calls whose replies hold a few dozen values, and no queue name crosses the network.
/// Reads only; not one atomic snapshot (fine for a display; SSCAN may repeat a name while the set
/// grows, so a total can be off by a queue for that moment).
/// </summary>
internal sealed class QueueSizes(IDatabaseAsync db, ResqueKeys keys)
{
    private static readonly LuaScriptText Script = LuaScriptText.Load("queue_sizes");

    /// <summary>Names per script call: short enough (about a millisecond) not to hold up workers' commands.</summary>
    public const int Slice = 1000;

    public async Task<QueueSummary> SummarizeAsync(int top, DateTimeOffset at)
    {
        long total = 0, cursor = 0;
        int queues = 0, nonEmpty = 0;
        var longest = new List<(string Name, long Length)>();
        do
        {
            var r = (RedisResult[])(await ScriptRunner.RunAsync(db, Script, [keys.Namespace, top, cursor, Slice]).ConfigureAwait(false))!;
            cursor = long.Parse((string)r[0]!, System.Globalization.CultureInfo.InvariantCulture);
            total += (long)r[1];
            queues += (int)(long)r[2];
            nonEmpty += (int)(long)r[3];
            for (var i = 4; i + 1 < r.Length; i += 2) longest.Add(((string)r[i]!, (long)r[i + 1]));
        }
        while (cursor != 0);
        var biggest = longest.OrderByDescending(q => q.Length).ThenBy(q => q.Name, StringComparer.Ordinal).Take(top).ToList();
        return new QueueSummary(queues, nonEmpty, total, biggest, at);
    }
}

/// <param name="Queues">Queues in NS:queues (as SSCAN saw them).</param>
/// <param name="NonEmpty">Queues holding at least one job.</param>
/// <param name="Jobs">Jobs waiting in all of them.</param>
/// <param name="Longest">The longest queues, longest first (ties by name).</param>
/// <param name="At">When it was read.</param>
internal sealed record QueueSummary(int Queues, int NonEmpty, long Jobs, IReadOnlyList<(string Name, long Length)> Longest, DateTimeOffset At);
