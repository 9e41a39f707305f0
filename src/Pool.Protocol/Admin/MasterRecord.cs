using System.Text.Json.Serialization;

namespace Pool.Protocol.Admin;

/// <summary>
/// What a live pool-master publishes about itself to NS:pool:master:ID (JSON, snake_case), for
/// the dashboard's Masters page. Small on purpose: a few hundred bytes per worker slot.
/// </summary>
public sealed record MasterRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("host")] string Host,
    [property: JsonPropertyName("pid")] int Pid,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("restarts")] long Restarts,
    [property: JsonPropertyName("rss_bytes")] long? RssBytes,
    [property: JsonPropertyName("children")] IReadOnlyList<MasterChild> Children);

/// <summary>One worker slot (or a retiring worker) of a master.</summary>
public sealed record MasterChild(
    [property: JsonPropertyName("group")] string Group,
    [property: JsonPropertyName("slot")] int Slot,
    [property: JsonPropertyName("pid")] int? Pid,
    [property: JsonPropertyName("worker_id")] string? WorkerId,
    [property: JsonPropertyName("state")] string State,
    [property: JsonPropertyName("started_at")] DateTimeOffset? StartedAt,
    [property: JsonPropertyName("rss_bytes")] long? RssBytes,
    [property: JsonPropertyName("restarts")] int Restarts,
    [property: JsonPropertyName("crash_looping")] bool CrashLooping,
    [property: JsonPropertyName("next_spawn_at")] DateTimeOffset? NextSpawnAt);
