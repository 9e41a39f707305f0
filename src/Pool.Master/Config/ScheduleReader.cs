using System.Globalization;
using System.Text;
using Pool.Master.Scheduling;
using Pool.Protocol.Scheduling;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// Reads pool.yml's top-level `schedule:` section: entry name → resque-scheduler's fields (cron
/// or every, class, queue, args, description) plus Pool's `missed: skip|once`. Every problem is
/// a <see cref="ConfigException"/> with the file, line and key, like the rest of the config.
/// </summary>
internal static class ScheduleReader
{
    public const string Key = "schedule";

    private static readonly string[] Fields = ["cron", "every", "class", "queue", "args", "description", "missed", "timezone"];
    /// <summary>resque-scheduler fields Pool does not act on: accepted so a Ruby schedule file loads, and reported.</summary>
    private static readonly string[] RubyOnly = ["custom_job_class", "rails_env", "env", "persist", "parameters"];

    /// <summary>A top-level `schedule` whose value is a mapping of entries (not a group with count) is the schedule.</summary>
    public static bool IsSchedule(string key, YamlNode value) =>
        key == Key && value is YamlMappingNode mapping && !GroupReader.IsGroup(mapping);

    public static IReadOnlyList<ScheduleEntry> Read(YamlMappingNode section, ConfigValues values, List<string> warnings)
    {
        var entries = new List<ScheduleEntry>();
        foreach (var (nameNode, body) in section.Children)
        {
            var name = values.Key(nameNode);
            var at = values.Place(nameNode, $"{Key}.{name}");
            if (body is not YamlMappingNode fields)
                throw at.Error("a schedule entry is a mapping such as {cron: \"0 3 * * *\", class: Nightly, queue: low}");
            entries.Add(ReadEntry(name, at, fields, values, warnings));
        }
        return entries;
    }

    private static ScheduleEntry ReadEntry(string name, ConfigPlace at, YamlMappingNode fields, ConfigValues values, List<string> warnings)
    {
        string? cron = null, every = null, cls = null, queue = null, description = null, zone = null;
        YamlNode? cronNode = null, everyNode = null;
        ConfigPlace? classPlace = null, queuePlace = null;
        var args = "[]";
        var missed = MissedPolicy.Skip;
        foreach (var (fieldNode, value) in fields.Children)
        {
            var field = values.Key(fieldNode);
            var place = values.Place(fieldNode, $"{at.Key}.{field}");
            string Text() => value is not YamlScalarNode
                ? throw place.Error(field == "every"
                    ? "'every' takes one interval such as 30s; rufus options in a list (first_in, ...) are not supported: Pool's every is anchored to the epoch"
                    : $"'{field}' takes one value, not a list or a mapping")
                : values.Value(value, place.Key!) is { Length: > 0 } t ? t : throw place.Error($"'{field}' needs a value");
            switch (field)
            {
                case "cron": cron = Text(); cronNode = fieldNode; break;
                case "every": every = Text(); everyNode = fieldNode; break;
                case "class": cls = Text(); classPlace = place; break;
                case "queue":
                    queue = Text();
                    queuePlace = place;
                    if (Cli.Commands.QueueNameRule.Problem(queue) is { } problem) throw place.Error(problem);
                    break;
                case "description": description = values.Value(value, place.Key!); break;
                case "timezone": zone = Text(); break;
                case "args": args = Args(value, values, place); break;
                case "missed":
                    missed = Text() switch
                    {
                        "skip" => MissedPolicy.Skip,
                        "once" => MissedPolicy.Once,
                        var other => throw place.Error($"'{other}' is not a policy; write missed: skip (the default, like cron) or missed: once (run the latest missed occurrence once)"),
                    };
                    break;
                case var ruby when RubyOnly.Contains(ruby):
                    warnings.Add($"{place.File}:{place.Line}: key '{place.Key}': resque-scheduler's '{ruby}' is ignored by Pool");
                    break;
                default:
                    throw place.Error($"unknown field '{field}'; a schedule entry takes {string.Join(", ", Fields)}");
            }
        }

        if ((cron is null) == (every is null))
            throw at.Error("give exactly one of cron: (\"0 3 * * *\", optionally with a time zone) or every: (30s, 5m, 1h)");
        if (queue is null)
            throw at.Error("has no queue; add queue: NAME (Pool cannot read a Ruby class's @queue)");
        Recurrence recurrence;
        try
        {
            recurrence = cron is not null ? CronRecurrence.Parse(cron, zone) : EveryRecurrence.Parse(every!);
        }
        catch (FormatException e)
        {
            var node = (cronNode ?? everyNode)!;
            throw values.Place(node, $"{at.Key}.{(cron is not null ? "cron" : "every")}").Error(e.Message);
        }
        if (zone is not null && cron is null)
            throw at.Error("timezone applies to cron only; every: counts in real time");
        return new ScheduleEntry(name, recurrence, cls ?? name, queue, args, description, missed, at.Line ?? 0)
        {
            ClassPlace = classPlace ?? at,
            QueuePlace = queuePlace ?? at,
        };
    }

    /// <summary>
    /// The args as a JSON array: a list stays a list, null (`args:` left empty, `~`) is no
    /// arguments, anything else is wrapped, as resque-scheduler's `Array(args)` does. Plain
    /// scalars read as YAML 1.1 does for Ruby: integers, floats, true/false and null are typed;
    /// quoted scalars are strings.
    /// </summary>
    private static string Args(YamlNode node, ConfigValues values, ConfigPlace place)
    {
        var sb = new StringBuilder();
        Json(sb, node, values, place);
        var json = sb.ToString();
        // Wrapped, an empty `args:` was [null]: every run of a job without parameters failed as Pool::ArgumentError.
        return json == "null" ? "[]" : node is YamlSequenceNode ? json : "[" + json + "]";
    }

    private static void Json(StringBuilder sb, YamlNode node, ConfigValues values, ConfigPlace place)
    {
        switch (node)
        {
            case YamlSequenceNode list:
                sb.Append('[');
                for (var i = 0; i < list.Children.Count; i++)
                {
                    if (i > 0) sb.Append(',');
                    Json(sb, list.Children[i], values, place);
                }
                sb.Append(']');
                break;
            case YamlMappingNode map:
                sb.Append('{');
                var first = true;
                foreach (var (k, v) in map.Children)
                {
                    if (!first) sb.Append(',');
                    first = false;
                    RubyJson.WriteString(sb, values.Value(k, place.Key!) ?? "");
                    sb.Append(':');
                    Json(sb, v, values, place);
                }
                sb.Append('}');
                break;
            case YamlScalarNode scalar:
                var text = values.Value(scalar, place.Key!) ?? "";
                if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) RubyJson.WriteString(sb, text);
                else if (text is "~" or "null" or "") sb.Append("null");
                else if (text is "true" or "false") sb.Append(text);
                else if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n)) sb.Append(n.ToString(CultureInfo.InvariantCulture));
                else if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) && text.Contains('.')) sb.Append(RubyJson.Float(d));
                else RubyJson.WriteString(sb, text);
                break;
        }
    }
}
