using System.Globalization;
using Cronos;

namespace Pool.Master.Scheduling;

/// <summary>When a recurring entry fires: a cron expression in a time zone, or a fixed interval.</summary>
public abstract class Recurrence
{
    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public abstract DateTimeOffset? Next(DateTimeOffset after);

    /// <summary>The latest occurrence in (<paramref name="after"/>, <paramref name="notAfter"/>], or null.</summary>
    public DateTimeOffset? Latest(DateTimeOffset after, DateTimeOffset notAfter)
    {
        // There is no walking backwards, so look in growing windows that end at notAfter: the
        // first window holding an occurrence is walked to its end. Dense schedules are found in
        // the small windows, sparse ones in the large: a long downtime costs a few steps, not one
        // step per missed occurrence.
        foreach (var window in Windows)
        {
            var start = notAfter - window > after ? notAfter - window : after;
            if (Next(start) is { } first && first <= notAfter)
            {
                var latest = first;
                while (Next(latest) is { } next && next <= notAfter) latest = next;
                return latest;
            }
            if (start == after) return null;
        }
        return null;
    }

    private static readonly TimeSpan[] Windows =
        [TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(32), TimeSpan.FromDays(800)];

    public abstract string Describe();
}

/// <summary>
/// A cron expression (5 fields, or 6 with seconds first) read by Cronos, evaluated in its time
/// zone, so "0 3 * * *" in Europe/Berlin is 03:00 Berlin time on both sides of a DST change;
/// a time that does not exist that day (spring forward) fires at the moment after the gap, and
/// one that happens twice (fall back) fires once, as Cronos documents.
/// </summary>
public sealed class CronRecurrence(string text, CronExpression expression, TimeZoneInfo zone) : Recurrence
{
    public string Text { get; } = text;
    public TimeZoneInfo Zone { get; } = zone;

    public override DateTimeOffset? Next(DateTimeOffset after) => expression.GetNextOccurrence(after, Zone, inclusive: false);

    public override string Describe() => Zone == TimeZoneInfo.Utc ? $"cron {Text}" : $"cron {Text} ({Zone.Id})";

    /// <summary>Parses "m h dom mon dow", "s m h dom mon dow", or either followed by a time zone id (rufus-scheduler's form).</summary>
    /// <param name="unzoned">The zone when neither the text nor <paramref name="zoneId"/> names one: UTC unless told.</param>
    public static CronRecurrence Parse(string text, string? zoneId, TimeZoneInfo? unzoned = null)
    {
        var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (fields.Count is 6 or 7 && NamesAZone(fields[^1]))
        {
            if (zoneId is not null)
                throw new FormatException($"'{text}' names a time zone ({fields[^1]}) and so does timezone ({zoneId}); give the zone once");
            zoneId = fields[^1];
            fields.RemoveAt(fields.Count - 1);
        }
        var zone = zoneId is null ? unzoned ?? TimeZoneInfo.Utc : FindZone(zoneId);
        var expression = string.Join(' ', fields);
        var format = fields.Count == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        if (fields.Count is not (5 or 6) && !expression.StartsWith('@'))
            throw new FormatException($"'{text}' has {fields.Count} field{(fields.Count == 1 ? "" : "s")}; cron takes 5 (minute hour day month weekday) or 6 (seconds first), optionally followed by a time zone such as Europe/Berlin");
        try
        {
            var recurrence = new CronRecurrence(expression, CronExpression.Parse(expression, format), zone);
            if (recurrence.Next(DateTimeOffset.UtcNow) is null)
                throw new FormatException($"'{text}' never fires: no date matches its day and month fields (such as the 30th of February); fix them");
            return recurrence;
        }
        catch (CronFormatException e)
        {
            throw new FormatException($"'{text}' is not a cron expression: {e.Message.TrimEnd('.')}");
        }
    }

    /// <summary>
    /// Whether a trailing field is a zone (Europe/Berlin, UTC, EST5EDT, utc) rather than a weekday
    /// field of a 6-field cron (MON-FRI, SUN, L, 5L, 1#2): weekday names start it with a day.
    /// </summary>
    private static bool NamesAZone(string field) =>
        char.IsAsciiLetter(field[0]) && field != "L"
        && !new[] { "SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT" }.Any(day => field.StartsWith(day, StringComparison.OrdinalIgnoreCase));

    private static TimeZoneInfo FindZone(string id)
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            throw new FormatException($"time zone '{id}' does not exist on this host; use an IANA name such as Europe/Berlin or UTC (needs tzdata)");
        }
    }
}

/// <summary>
/// A fixed interval ("every: 30s"), anchored to the Unix epoch: occurrences are the multiples of
/// the interval, the same on every master and across restarts, so "exactly once per occurrence"
/// means something. (resque-scheduler counts `every` from its own start, so each deploy shifts it.)
/// </summary>
public sealed class EveryRecurrence(string text, TimeSpan interval) : Recurrence
{
    public string Text { get; } = text;
    public TimeSpan Interval { get; } = interval;

    public override DateTimeOffset? Next(DateTimeOffset after)
    {
        var step = Interval.Ticks;
        var sinceEpoch = (after - DateTimeOffset.UnixEpoch).Ticks;
        return DateTimeOffset.UnixEpoch + TimeSpan.FromTicks((sinceEpoch / step + 1) * step);
    }

    public override string Describe() => $"every {Text}";

    public static EveryRecurrence Parse(string text)
    {
        if (Durations.TryParse(text, out var interval, out var tooLarge) && interval >= TimeSpan.FromSeconds(1) && interval.Ticks % TimeSpan.TicksPerSecond == 0)
            return new EveryRecurrence(text, interval);
        throw new FormatException(tooLarge
            ? $"'{text}' {Durations.TooLarge}; for a yearly job, write a cron such as \"0 3 1 1 *\""
            : $"'{text}' is not an interval of whole seconds: use {Durations.Help}, at least 1s");
    }
}

internal static class Iso
{
    public static string Format(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
