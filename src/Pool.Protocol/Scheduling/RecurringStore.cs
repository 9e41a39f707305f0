using System.Globalization;
using Pool.Protocol.Payloads;
using Pool.Protocol.Scripts;
using StackExchange.Redis;

namespace Pool.Protocol.Scheduling;

/// <summary>
/// Recurring entries' state in Redis: the last fired occurrence of each (Pool's exactly-once
/// record) and resque-scheduler's delayed:last_enqueued_at (what resque-web shows).
/// </summary>
internal sealed class RecurringStore(IDatabase db, SchedulerKeys keys)
{
    /// <summary>Fires (or, with <paramref name="skip"/>, only records) one occurrence. 1 done, 0 done before, -1 not the leader.</summary>
    public async Task<int> FireAsync(string lockKey, string lockValue, string name, DateTimeOffset occurrence, string queue, string payload, DateTimeOffset now, bool skip = false)
    {
        var r = await ScriptRunner.RunAsync(db, SchedulingScripts.Fire,
        [
            keys.Namespace, lockKey, lockValue, name, occurrence.ToUnixTimeSeconds(), skip ? "skip" : "fire",
            queue, payload, RubyTimeToS(now), ResqueTime.Iso(now),
        ]).ConfigureAwait(false);
        return (int)(long)r;
    }

    /// <summary>
    /// Writes the entries (name, resque-scheduler config JSON) to persistent_schedules, where
    /// resque-web's Schedule tab reads them, and removes the ones Pool wrote earlier that are gone
    /// (schedule_publish.lua has the ownership rule). Null when the lease is not ours.
    /// </summary>
    public async Task<SchedulePublication?> PublishAsync(string lockKey, string lockValue, IEnumerable<(string Name, string Config)> entries)
    {
        var r = (RedisResult[])(await ScriptRunner.RunAsync(db, SchedulingScripts.Publish,
            [keys.Namespace, lockKey, lockValue, .. entries.SelectMany(e => new RedisValue[] { e.Name, e.Config })]).ConfigureAwait(false))!;
        var written = (long)r[0];
        if (written < 0) return null;
        return new SchedulePublication((int)written, (int)(long)r[1], r.Skip(2).Select(n => (string)n!).ToList());
    }

    /// <summary>Every entry's last fired occurrence.</summary>
    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastFiresAsync()
    {
        var all = await db.HashGetAllAsync(keys.LastFire).ConfigureAwait(false);
        return all.Where(e => long.TryParse((string?)e.Value, out _))
            .ToDictionary(e => (string)e.Name!, e => DateTimeOffset.FromUnixTimeSeconds(long.Parse((string)e.Value!, CultureInfo.InvariantCulture)));
    }

    /// <summary>persistent_schedules (name → config JSON) and what Pool itself wrote there, read together.</summary>
    public async Task<(IReadOnlyDictionary<string, string> Persistent, IReadOnlyDictionary<string, string> Published)> RubySchedulesAsync()
    {
        var persistent = db.HashGetAllAsync(keys.PersistentSchedules);
        var published = db.HashGetAllAsync(keys.SchedulePublished);
        return (Dictionary(await persistent.ConfigureAwait(false)), Dictionary(await published.ConfigureAwait(false)));

        static Dictionary<string, string> Dictionary(HashEntry[] all) => all.ToDictionary(e => (string)e.Name!, e => (string)e.Value!, StringComparer.Ordinal);
    }

    /// <summary>resque-scheduler's "Last Enqueued" texts.</summary>
    public async Task<IReadOnlyDictionary<string, string>> LastEnqueuedAsync()
    {
        var all = await db.HashGetAllAsync(keys.LastEnqueuedAt).ConfigureAwait(false);
        return all.ToDictionary(e => (string)e.Name!, e => (string)e.Value!);
    }

    /// <summary>`schedule run NAME`: enqueues one run now, outside the occurrences (they are not touched).</summary>
    public async Task RunNowAsync(string name, string queue, string payload, DateTimeOffset now)
    {
        await new Producing.Producer(db.Multiplexer, keys.Namespace).EnqueueRawAsync(queue, payload).ConfigureAwait(false);
        await db.HashSetAsync(keys.LastEnqueuedAt, name, RubyTimeToS(now)).ConfigureAwait(false);
    }

    /// <summary>Ruby's Time#to_s of a UTC time: "2026-12-01 15:30:00 +0000".</summary>
    public static string RubyTimeToS(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>
    /// A Ruby Time#to_s text ("2026-12-01 15:30:00 -0500", whatever zone the writer ran in) as a
    /// time, so it can be shown as the other times are; null for any other text.
    /// </summary>
    public static DateTimeOffset? ParseRubyTimeToS(string text) =>
        text.Length > 5 && text[^5] is '+' or '-'
        && DateTimeOffset.TryParseExact(text[..^2] + ":" + text[^2..], "yyyy-MM-dd HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)
            ? t : null;
}

/// <summary>What a publication changed in persistent_schedules; <paramref name="Replaced"/>: names whose entry Pool had not written.</summary>
internal sealed record SchedulePublication(int Written, int Removed, IReadOnlyList<string> Replaced);
