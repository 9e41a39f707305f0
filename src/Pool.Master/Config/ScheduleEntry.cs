using Pool.Master.Scheduling;
using Pool.Protocol.Scheduling;

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
    /// <summary>Where pool.yml writes the entry's class (the entry's own key when the class is its name), for messages about it.</summary>
    internal ConfigPlace? ClassPlace { get; init; }

    /// <summary>Where pool.yml writes the entry's queue, for messages about it.</summary>
    internal ConfigPlace? QueuePlace { get; init; }

    /// <summary>A Ruby app's entry read from persistent_schedules (see <see cref="RubySchedules"/>), not one of pool.yml's.</summary>
    public bool FromRuby { get; init; }

    /// <summary>The payload each occurrence enqueues (Resque's {"class","args"}).</summary>
    public string Payload => "{\"class\":" + RubyJson.Serialize(Class) + ",\"args\":" + ArgsJson + "}";

    /// <summary>
    /// The entry as resque-scheduler's set_schedule stores it in persistent_schedules (Ruby's
    /// JSON.generate of the config hash: compact, in the order cron|every, class, queue, args,
    /// description, absent fields left out). The cron carries its zone, UTC written out, so a Ruby
    /// scheduler (whose default is its host's zone) would fire it at the same moments. Pool's own
    /// `missed` is not written: Ruby has no such field.
    /// </summary>
    public string RubyConfig
    {
        get
        {
            var sb = new System.Text.StringBuilder("{");
            var (kind, interval) = Recurrence switch
            {
                CronRecurrence c => ("cron", c.Text + " " + c.Zone.Id),
                EveryRecurrence e => ("every", e.Text),
                var other => throw new InvalidOperationException($"no resque-scheduler form for {other.GetType().Name}"),
            };
            sb.Append('"').Append(kind).Append("\":");
            RubyJson.WriteString(sb, interval);
            sb.Append(",\"class\":");
            RubyJson.WriteString(sb, Class);
            sb.Append(",\"queue\":");
            RubyJson.WriteString(sb, Queue);
            if (ArgsJson != "[]") sb.Append(",\"args\":").Append(ArgsJson);
            if (Description is not null)
            {
                sb.Append(",\"description\":");
                RubyJson.WriteString(sb, Description);
            }
            return sb.Append('}').ToString();
        }
    }

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
