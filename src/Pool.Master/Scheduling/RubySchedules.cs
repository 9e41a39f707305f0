using System.Text;
using System.Text.Json;
using Pool.Master.Config;
using Pool.Protocol.Scheduling;

namespace Pool.Master.Scheduling;

/// <summary>
/// Reads the recurring entries that Ruby keeps in resque-scheduler's persistent_schedules
/// (`Resque.set_schedule`, resque-web, or a static schedule a Ruby scheduler once persisted) as
/// Pool entries, so that they go on firing while Pool leads the scheduler lock; no Ruby scheduler
/// fires anything then. resque-scheduler loads this hash into every schedule it runs
/// (`Resque.schedule` merges it in), dynamic mode or not, so Pool does the same.
/// The config is Ruby's JSON.generate of the entry's hash: cron or every, class (the name when
/// absent), queue, args, description, rails_env/env; the rest is Ruby's and ignored.
/// </summary>
internal static class RubySchedules
{
    /// <summary>One entry of persistent_schedules that is Ruby's: its config and what Pool makes of it.</summary>
    /// <param name="Entry">The entry to fire; null when <paramref name="Problem"/> says why not, or, with no problem, when it is meant for another rails_env.</param>
    public sealed record Found(string Name, string Config, ScheduleEntry? Entry, string? Problem);

    /// <summary>
    /// The entries of persistent_schedules that are Ruby's, by name: not pool.yml's (an entry of
    /// that name is the one that fires) and not the copies Pool itself wrote there.
    /// </summary>
    public static List<Found> Read(IReadOnlyDictionary<string, string> persistent, IReadOnlyDictionary<string, string> published,
        IEnumerable<ScheduleEntry> poolEntries, TimeZoneInfo localZone, string? environment)
    {
        var poolNames = poolEntries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var found = new List<Found>();
        foreach (var (name, config) in persistent.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            if (poolNames.Contains(name) || (published.TryGetValue(name, out var written) && written == config)) continue;
            var entry = Parse(name, config, localZone, environment, out var problem);
            found.Add(new Found(name, config, entry, problem));
        }
        return found;
    }

    /// <summary>
    /// The entry, or null with <paramref name="problem"/> saying why it cannot be fired (for one
    /// warning), or null with no problem when it is meant for another environment.
    /// </summary>
    /// <param name="localZone">The zone of a cron without one: a Ruby scheduler on this host would read it in the host's zone.</param>
    /// <param name="environment">The master's environment (-E, POOL_ENV, RAILS_ENV, ...), for an entry's rails_env.</param>
    public static ScheduleEntry? Parse(string name, string config, TimeZoneInfo localZone, string? environment, out string? problem)
    {
        problem = null;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(config);
        }
        catch (JsonException)
        {
            problem = "its config is not JSON";
            return null;
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                problem = "its config is not a JSON object";
                return null;
            }
            if (!MeantFor(root, environment)) return null;
            if (Interval(root, localZone, out problem) is not { } recurrence) return null;
            var cls = Text(root, "class") ?? name;
            if (Text(root, "queue") is not { } queue)
            {
                problem = "it has no queue, and Pool cannot read a Ruby class's @queue; set one (Resque.set_schedule(name, {..., 'queue' => 'NAME'})) or move the entry into pool.yml";
                return null;
            }
            if (Cli.Commands.QueueNameRule.Problem(queue) is { } badQueue)
            {
                problem = badQueue;
                return null;
            }
            return new ScheduleEntry(name, recurrence, cls, queue, Args(root), Text(root, "description"), MissedPolicy.Skip, Line: 0) { FromRuby = true };
        }
    }

    /// <summary>As resque-scheduler's env_matches?: an entry with rails_env (or env) runs only in the environments it lists.</summary>
    private static bool MeantFor(JsonElement root, string? environment)
    {
        var listed = Text(root, "rails_env") ?? Text(root, "env");
        if (listed is null) return true;
        return environment is not null
            && listed.Split([' ', ',', '\t'], StringSplitOptions.RemoveEmptyEntries).Contains(environment, StringComparer.Ordinal);
    }

    private static Recurrence? Interval(JsonElement root, TimeZoneInfo localZone, out string? problem)
    {
        problem = null;
        try
        {
            // cron wins over every, as in resque-scheduler.
            if (Text(root, "cron") is { } cron)
                return CronRecurrence.Parse(cron, zoneId: null, unzoned: localZone);
            // every: "30s", or rufus's ["30s", {"first_in": "10s"}], whose options Pool has no use for.
            var every = root.TryGetProperty("every", out var e) && e.ValueKind == JsonValueKind.Array && e.GetArrayLength() > 0 ? e[0] : e;
            if (every.ValueKind == JsonValueKind.String && every.GetString() is { Length: > 0 } text)
                return EveryRecurrence.Parse(text);
        }
        catch (FormatException bad)
        {
            problem = bad.Message;
            return null;
        }
        problem = "it has neither cron nor every";
        return null;
    }

    /// <summary>A string field, or null when absent, empty or not a string.</summary>
    private static string? Text(JsonElement root, string field) =>
        root.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;

    /// <summary>As resque-scheduler's enqueue_from_config: a hash is the one argument, an array the arguments, nothing none, anything else the one argument.</summary>
    private static string Args(JsonElement root)
    {
        if (!root.TryGetProperty("args", out var args) || args.ValueKind == JsonValueKind.Null) return "[]";
        var sb = new StringBuilder();
        if (args.ValueKind == JsonValueKind.Array) RubyJson.Write(sb, args);
        else
        {
            sb.Append('[');
            RubyJson.Write(sb, args);
            sb.Append(']');
        }
        return sb.ToString();
    }
}
