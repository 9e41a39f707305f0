using System.Globalization;
using Pool.Master.Config;
using Pool.Settings;
using YamlDotNet.RepresentationModel;

namespace Pool.Master.Config;

/// <summary>
/// Reads one group: "queues": count, or "queues": { count: N, term_timeout: S, ... }. Every value
/// is checked against its documented range here, so a group that reads is a group that runs:
/// no later TimeSpan, deadline, timer or spawn can fail on it.
/// </summary>
internal static class GroupReader
{
    /// <summary>A mapping is a group when it has `count` or only group options; otherwise it is an environment section.</summary>
    public static bool IsGroup(YamlMappingNode mapping)
    {
        var keys = mapping.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").ToList();
        return keys.Count > 0 && (keys.Contains(GroupOptions.Count) || keys.All(GroupOptions.All.Contains));
    }

    public static WorkerGroup Read(string key, YamlNode keyNode, YamlNode value, ConfigValues values, string? section)
    {
        var where = section is null ? key : $"{section}.{key}";
        var place = values.Place(keyNode, where);
        var queues = ParseQueues(key, place);

        if (value is YamlScalarNode)
            return CountSpec.Read(values.Value(value, where), values.Place(value, where), ReadCount)
                .Apply(new WorkerGroup(key, queues, 0, Line: place.Line ?? 0) { Places = new GroupPlaces(place, NoOptions) }, null, null, null, place);
        if (value is not YamlMappingNode mapping)
            throw place.Error("expected a worker count such as 2, or a mapping with count: N");

        CountSpec? count = null;
        TimeSpan? targetLatency = null, quiet = null;
        int? jobsPerWorker = null;
        TimeSpan? termTimeout = null;
        int? memory = null, maxJobs = null;
        string? command = null;
        TimeSpan? jobTimeout = null;
        var concurrency = 1;
        var standby = 0;
        GroupRetries? retries = null;
        var optionLines = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (optionNode, optionValue) in mapping.Children)
        {
            var option = values.Key(optionNode);
            var at = values.Place(optionNode, $"{where}.{option}");
            optionLines[option] = ConfigValues.Line(optionNode);
            switch (option)
            {
                case GroupOptions.Count:
                    count = CountSpec.Read(values.Value(optionValue, at.Key!), at, ReadCount);
                    break;
                case GroupOptions.TargetLatency:
                    targetLatency = ReadSeconds(values.Value(optionValue, at.Key!), at, SecondsRange.JobTimeout, "target_latency: 5");
                    break;
                case GroupOptions.TargetJobsPerWorker:
                    jobsPerWorker = ReadWhole(values.Value(optionValue, at.Key!), at, GroupOptions.MaxCount, "jobs", "target_jobs_per_worker: 5");
                    break;
                case GroupOptions.ScaleDownAfter:
                    quiet = ReadSeconds(values.Value(optionValue, at.Key!), at, SecondsRange.JobTimeout, "scale_down_after: 30");
                    break;
                case GroupOptions.TermTimeout:
                    termTimeout = ReadSeconds(values.Value(optionValue, at.Key!), at, SecondsRange.TermTimeout, "term_timeout: 25");
                    break;
                case GroupOptions.MemoryLimitMb:
                    memory = ReadWhole(values.Value(optionValue, at.Key!), at, GroupOptions.MaxMemoryLimitMb, "megabytes", "memory_limit_mb: 512");
                    break;
                case GroupOptions.MaxJobs:
                    maxJobs = ReadWhole(values.Value(optionValue, at.Key!), at, int.MaxValue, "jobs", "max_jobs: 1000");
                    break;
                case GroupOptions.JobTimeout:
                    jobTimeout = ReadSeconds(values.Value(optionValue, at.Key!), at, SecondsRange.JobTimeout, "job_timeout: 300");
                    break;
                case GroupConcurrency.Key:
                    concurrency = GroupConcurrency.Read(values.Value(optionValue, at.Key!), at);
                    break;
                case GroupRetries.RetriesKey or GroupRetries.DelaysKey:
                    retries = GroupRetries.With(retries, option, optionValue, values, at);
                    break;
                case GroupOptions.Standby:
                    standby = ReadStandby(values.Value(optionValue, at.Key!), at);
                    break;
                case GroupOptions.Command:
                    command = ReadCommand(values.Literal(optionValue, at.Key!), at);
                    break;
                case MemoryBudgetSetting.Key:
                    throw at.Error("memory_budget is pool-wide; put it at the top level of the file (a group's own size is memory_limit_mb)");
                default:
                    throw at.Error($"unknown option '{option}'; a group takes {string.Join(", ", GroupOptions.All)}");
            }
        }

        if (count is null)
            throw place.Error("this group has no count; add count: N (the number of workers), count: MIN..MAX or count: auto");
        return count.Value.Apply(new WorkerGroup(key, queues, 0, termTimeout, memory, maxJobs, command, place.Line ?? 0, jobTimeout) { Concurrency = concurrency, Retries = retries, Standby = standby, Places = new GroupPlaces(place, optionLines) },
            targetLatency, jobsPerWorker, quiet, place);
    }

    private static readonly Dictionary<string, int> NoOptions = [];

    private static List<string> ParseQueues(string key, ConfigPlace place)
    {
        var queues = key.Split(',').Select(q => q.Trim()).ToList();
        if (queues.Any(q => q.Length == 0))
            throw place.Error("empty queue name; write queue lists like \"foo,bar\" with no empty entries");
        if (queues.Any(q => q.Any(char.IsWhiteSpace)))
            throw place.Error("queue names cannot contain spaces; separate queues with commas");
        // A NUL would cut the QUEUES variable short; other control characters cannot be typed into resque-web either.
        if (queues.Any(q => q.Any(char.IsControl)))
            throw place.Error("queue names cannot contain control characters (NUL, tab, newline, ...); use letters, digits, _ - : .");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var duplicate = queues.FirstOrDefault(q => !seen.Add(q));
        if (duplicate is not null)
            throw place.Error($"queue '{duplicate}' appears twice in the list; name each queue once");
        return queues;
    }

    private static int ReadCount(string? text, ConfigPlace place)
    {
        if (string.IsNullOrEmpty(text))
            throw place.Error("has no worker count; write a whole number such as 2 (0 for none), a range such as 1..8, or auto");
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var count))
            throw place.Error(text.TrimStart('-', '+') is { Length: > 0 } digits && digits.All(char.IsAsciiDigit)
                ? $"worker count {ConfigException.Shorten(text)} is out of range; write a whole number from 0 to {GroupOptions.MaxCount}"
                : $"worker count must be a whole number, a range MIN..MAX or auto, got '{ConfigException.Shorten(text)}'; write e.g. 2, 1..8 or auto");
        if (count < 0)
            throw place.Error($"worker count cannot be negative ({count}); use 0 to run no workers");
        if (count > GroupOptions.MaxCount)
            throw place.Error($"worker count {count} is more than {GroupOptions.MaxCount}; split the load across machines");
        return count;
    }

    private static TimeSpan ReadSeconds(string? text, ConfigPlace place, SecondsRange range, string example) =>
        range.TryParse(text, out var value)
            ? value
            : throw place.Error($"{range.Requirement(text)}, got '{ConfigException.Shorten(text)}'; write e.g. {example}");

    private static int ReadWhole(string? text, ConfigPlace place, int max, string unit, string example)
    {
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 && n <= max) return n;
        throw place.Error(string.Create(CultureInfo.InvariantCulture, $"must be a whole number of {unit} from 1 to {max}, got '{ConfigException.Shorten(text)}'; write e.g. {example}"));
    }

    private static int ReadStandby(string? text, ConfigPlace place) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n <= GroupOptions.MaxStandby
            ? n
            : throw place.Error(string.Create(CultureInfo.InvariantCulture,
                $"must be a whole number of standby workers from 0 to {GroupOptions.MaxStandby}, got '{ConfigException.Shorten(text)}'; write e.g. standby: 1"));

    /// <summary>Split now, as the spawn will, so a command that cannot be split is a check error, not a crash at spawn.</summary>
    private static string ReadCommand(string? text, ConfigPlace place)
    {
        const string example = "write e.g. command: \"bundle exec rake resque:work\"";
        if (string.IsNullOrWhiteSpace(text)) throw place.Error($"must be a non-empty command line; {example}");
        if (text.Any(c => c == '\0')) throw place.Error($"the command contains a NUL character, which no program can receive; {example}");
        IReadOnlyList<string> argv;
        try
        {
            argv = ShellWords.Split(text);
        }
        catch (FormatException e)
        {
            throw place.Error($"{e.Message}; close the quote, or escape it with a backslash");
        }
        if (argv.Count == 0 || argv[0].Length == 0) throw place.Error($"the command names no program; {example}");
        return text;
    }
}
