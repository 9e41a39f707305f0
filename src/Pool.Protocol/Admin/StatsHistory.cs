using System.Globalization;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Protocol.Admin;

/// <summary>
/// Per-minute and per-day history of Resque's processed and failed totals, kept in Redis without
/// touching the workers' scripts: whoever runs (each master and each dashboard) samples the two
/// counters every few seconds, and the first sample taken in a minute (or day) is the one kept
/// (the script adds a sample only when that minute has none). A minute's rate is the difference
/// between consecutive samples. Minutes are kept 2 days, days 180 days; nothing is recorded for
/// times when no master or dashboard ran.
/// </summary>
public sealed class StatsHistory(IDatabaseAsync db, ResqueKeys keys, TimeProvider? time = null)
{
    public static readonly TimeSpan MinuteRetention = TimeSpan.FromDays(2);
    public const int DayRetention = 180;

    private const string SampleScript =
        """
        local function add(key, slot, keep)
          if redis.call('ZCOUNT', KEYS[key], slot, slot) == 0 then
            redis.call('ZADD', KEYS[key], slot, slot .. ':' .. ARGV[3] .. ':' .. ARGV[4])
            redis.call('ZREMRANGEBYSCORE', KEYS[key], '-inf', '(' .. (slot - keep))
          end
        end
        -- pcall: a stray counter of another type reads as 0 (a worker sets it aside), not a failed sample.
        local processed = tonumber(redis.pcall('GET', KEYS[3])) or 0
        local failed = tonumber(redis.pcall('GET', KEYS[4])) or 0
        ARGV[3] = processed
        ARGV[4] = failed
        add(1, tonumber(ARGV[1]), tonumber(ARGV[5]))
        add(2, tonumber(ARGV[2]), tonumber(ARGV[6]))
        return 1
        """;

    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Records the totals for this minute and this day unless a sample is already there.</summary>
    public Task SampleAsync()
    {
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        return db.ScriptEvaluateAsync(SampleScript,
            [keys.MinuteHistory, keys.DayHistory, keys.StatProcessed, keys.StatFailed],
            [now / 60, now / 86400, 0, 0, (long)MinuteRetention.TotalMinutes, DayRetention]);
    }

    /// <summary>Per-minute processed and failed counts for the last <paramref name="minutes"/> minutes (oldest first).</summary>
    public Task<IReadOnlyList<HistoryPoint>> MinutesAsync(int minutes) =>
        RatesAsync(keys.MinuteHistory, _time.GetUtcNow().ToUnixTimeSeconds() / 60, minutes, 60);

    /// <summary>Per-day processed and failed counts for the last <paramref name="days"/> days (oldest first).</summary>
    public Task<IReadOnlyList<HistoryPoint>> DaysAsync(int days) =>
        RatesAsync(keys.DayHistory, _time.GetUtcNow().ToUnixTimeSeconds() / 86400, days, 86400);

    /// <summary>
    /// Differences of consecutive samples; a slot without a sample before it (no one sampling
    /// then) has no point, and a counter that went down (reset) counts from zero.
    /// </summary>
    private async Task<IReadOnlyList<HistoryPoint>> RatesAsync(string key, long current, int count, int slotSeconds)
    {
        var raw = await db.SortedSetRangeByScoreAsync(key, current - count, current).ConfigureAwait(false);
        var samples = raw.Select(v => ((string)v!).Split(':'))
            .Where(p => p.Length == 3)
            .Select(p => (Slot: long.Parse(p[0], CultureInfo.InvariantCulture), P: long.Parse(p[1], CultureInfo.InvariantCulture), F: long.Parse(p[2], CultureInfo.InvariantCulture)))
            .ToList();
        var points = new List<HistoryPoint>();
        for (var i = 1; i < samples.Count; i++)
        {
            var (prev, cur) = (samples[i - 1], samples[i]);
            // Spread a gap's total evenly over its slots would invent data; give it to the later slot and say how long it covers.
            var span = cur.Slot - prev.Slot;
            var p = cur.P >= prev.P ? cur.P - prev.P : cur.P;
            var f = cur.F >= prev.F ? cur.F - prev.F : cur.F;
            points.Add(new HistoryPoint(DateTimeOffset.FromUnixTimeSeconds(prev.Slot * slotSeconds), (int)span, p, f));
        }
        return points;
    }
}

/// <summary>Jobs processed and failed from <paramref name="From"/> over <paramref name="Slots"/> minutes or days.</summary>
public sealed record HistoryPoint(DateTimeOffset From, int Slots, long Processed, long Failed);
