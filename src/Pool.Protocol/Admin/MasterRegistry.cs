using System.Text.Json;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Live masters, for the dashboard. Each master SETs its <see cref="MasterRecord"/> with a TTL
/// every few seconds and adds its id to a sorted set scored by that expiry, so readers find the
/// live ones with one ZRANGEBYSCORE (no SCAN over the keyspace) and a crashed master drops off
/// by itself when its TTL runs out.
/// </summary>
public sealed class MasterRegistry(IDatabaseAsync db, ResqueKeys keys, TimeProvider? time = null)
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>The record's JSON contract, generated at build time (the library stays fit for Native AOT apps).</summary>
    private static System.Text.Json.Serialization.Metadata.JsonTypeInfo<MasterRecord> Contract => MasterRecordJson.Default.MasterRecord;

    public async Task PublishAsync(MasterRecord record, TimeSpan ttl)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var json = JsonSerializer.Serialize(record, Contract);
        await db.ScriptEvaluateAsync(
            """
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
            redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[5])
            """,
            [keys.Master(record.Id), keys.Masters],
            [json, (long)ttl.TotalMilliseconds, now + (long)ttl.TotalMilliseconds, record.Id, now]).ConfigureAwait(false);
    }

    /// <summary>Takes a stopping master off the list at once instead of at its TTL.</summary>
    public Task RemoveAsync(string id) =>
        Task.WhenAll(db.KeyDeleteAsync(keys.Master(id)), db.SortedSetRemoveAsync(keys.Masters, id));

    /// <summary>Every master whose snapshot has not expired, ordered by id.</summary>
    public async Task<IReadOnlyList<MasterRecord>> ReadAsync()
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var ids = await db.SortedSetRangeByScoreAsync(keys.Masters, now, double.PositiveInfinity).ConfigureAwait(false);
        if (ids.Length == 0) return [];
        var values = await db.StringGetAsync(ids.Select(id => (RedisKey)keys.Master((string)id!)).ToArray()).ConfigureAwait(false);
        var records = new List<MasterRecord>();
        foreach (var v in values)
        {
            if (v.IsNull) continue;
            try
            {
                if (JsonSerializer.Deserialize((string)v!, Contract) is { } r) records.Add(r);
            }
            catch (JsonException)
            {
                // Another version's or a hand-written record: leave it out rather than fail the page.
            }
        }
        return records.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
    }
}

/// <summary>The master snapshot's JSON contract, generated at build time.</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(MasterRecord))]
internal sealed partial class MasterRecordJson : System.Text.Json.Serialization.JsonSerializerContext;
