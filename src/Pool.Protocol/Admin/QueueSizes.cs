using Pool.Protocol.Keys;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// How many jobs wait in all queues together and which queues are the longest, without one LLEN
/// round trip per queue: queue_sizes.lua sums a chunk of queues inside Redis and returns only the
/// chunk's total and its longest few, so 10,000 queues cost ten short script calls and replies of
/// a few dozen values. Reads only; not one atomic snapshot (fine for a display).
/// </summary>
internal sealed class QueueSizes(IDatabaseAsync db, ResqueKeys keys)
{
    private static readonly LuaScriptText Script = LuaScriptText.Load("queue_sizes");

    /// <summary>Names per script call: short enough (about a millisecond) not to hold up workers' commands.</summary>
    public const int Chunk = 1000;

    public async Task<QueueSummary> SummarizeAsync(int top, DateTimeOffset at)
    {
        var names = (await db.SetMembersAsync(keys.Queues).ConfigureAwait(false)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToList();
        var calls = names.Chunk(Chunk).Select(chunk => ScriptRunner.RunAsync(db, Script,
            [keys.Namespace, top, .. chunk.Select(n => (RedisValue)n)])).ToList();
        var replies = await Task.WhenAll(calls).ConfigureAwait(false);
        long total = 0;
        var nonEmpty = 0;
        var longest = new List<(string Name, long Length)>();
        foreach (var reply in replies)
        {
            var r = (RedisResult[])reply!;
            total += (long)r[0];
            nonEmpty += (int)(long)r[1];
            for (var i = 2; i + 1 < r.Length; i += 2) longest.Add(((string)r[i]!, (long)r[i + 1]));
        }
        var biggest = longest.OrderByDescending(q => q.Length).ThenBy(q => q.Name, StringComparer.Ordinal).Take(top).ToList();
        return new QueueSummary(names.Count, nonEmpty, total, biggest, at);
    }
}

/// <param name="Queues">Queues in NS:queues.</param>
/// <param name="NonEmpty">Queues holding at least one job.</param>
/// <param name="Jobs">Jobs waiting in all of them.</param>
/// <param name="Longest">The longest queues, longest first (ties by name).</param>
/// <param name="At">When it was read.</param>
internal sealed record QueueSummary(int Queues, int NonEmpty, long Jobs, IReadOnlyList<(string Name, long Length)> Longest, DateTimeOffset At);
