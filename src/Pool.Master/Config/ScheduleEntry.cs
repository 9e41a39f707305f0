using Pool.Master.Scheduling;

namespace Pool.Master.Config;

/// <summary>What a recurring entry does with occurrences that passed while no master was leading.</summary>
public enum MissedPolicy
{
    /// <summary>Like cron and resque-scheduler: an occurrence more than a grace period late is skipped.</summary>
    Skip,
    /// <summary>The latest missed occurrence fires once, however many were missed (a catch-up run).</summary>
    Once,
}

/// <summary>
/// One entry of pool.yml's `schedule:` section, in resque-scheduler's fields.
/// </summary>
/// <param name="Name">The entry's name (the key), also resque-web's Schedule tab name.</param>
/// <param name="Recurrence">cron (and its time zone) or every.</param>
/// <param name="Class">The job class (defaults to the name, as in resque-scheduler).</param>
/// <param name="Queue">Where each occurrence is enqueued.</param>
/// <param name="ArgsJson">The job's "args" array as JSON.</param>
/// <param name="Description">Free text for `schedule list` and resque-web.</param>
/// <param name="Missed">What happens to occurrences missed while no master ran.</param>
/// <param name="Line">Where the entry is in pool.yml.</param>
public sealed record ScheduleEntry(string Name, Recurrence Recurrence, string Class, string Queue, string ArgsJson, string? Description, MissedPolicy Missed, int Line)
{
    /// <summary>The payload each occurrence enqueues (Resque's {"class","args"}).</summary>
    public string Payload => "{\"class\":" + Protocol.Scheduling.RubyJson.Serialize(Class) + ",\"args\":" + ArgsJson + "}";

    /// <summary>The schedule as `check` prints it: one line per entry with its next run.</summary>
    public static string Describe(IReadOnlyList<ScheduleEntry> schedule, DateTimeOffset now)
    {
        var sb = new System.Text.StringBuilder();
        sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"schedule: {schedule.Count} entr{(schedule.Count == 1 ? "y" : "ies")}\n");
        foreach (var e in schedule)
        {
            var next = e.Recurrence.Next(now) is { } n ? Iso.Format(n) : "never";
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"  {e.Name}: {e.Recurrence.Describe()} -> {e.Class} {e.ArgsJson} on {e.Queue}, next {next}, missed: {e.Missed.ToString().ToLowerInvariant()}\n");
        }
        return sb.ToString();
    }
}
