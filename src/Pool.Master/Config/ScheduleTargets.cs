using Pool.Protocol.Keys;
using Pool.Text;

namespace Pool.Master.Config;

/// <summary>
/// Whether a `schedule:` entry's jobs can be run where they are sent. Each occurrence goes to the
/// entry's `queue`, and nothing there checked it: an entry for a queue no group serves, or for a
/// class the workers that serve its queue do not have, passed `check`, and every run then waited
/// in its queue or failed as unknown (`Pool::UnknownJob`, never retried), at 3 am.
/// - <see cref="UnservedWarnings"/>: a queue no group with workers takes, neither by name nor
///   through `*` or a pattern (`mail_*`), is a warning (the file is read by `check`, the start and
///   HUP alike): the queue may be served by another host's pool or by Ruby workers.
/// - <see cref="ClassProblems"/> (`check`, which has pool-worker load the job classes): a class
///   that the pool-worker groups serving its queue do not load. When those are the only groups
///   that serve the queue, every run fails: an error. When a group that runs another command (a
///   Ruby worker, a worker app of its own, which `check` cannot ask) or a pool-worker group that
///   has the class serves it too, only the runs the others take fail: a warning. A class written
///   as a .NET full name (with a dot) is not judged: pool-worker answers to a class's full name
///   too, and lists only the short one.
/// </summary>
internal static class ScheduleTargets
{
    /// <summary>The groups that run workers and take jobs from <paramref name="queue"/>: by name, through `*`, or through a pattern.</summary>
    public static IEnumerable<WorkerGroup> Serving(PoolConfig config, string queue) =>
        config.Groups.Where(g => RunsWorkers(g) && QueuePattern.Expand(g.Queues, [queue]).Contains(queue));

    private static bool RunsWorkers(WorkerGroup group) => group.Count > 0 || group.AutoCount || group.Scaling is not null;

    /// <summary>One warning for each entry whose queue no group with workers takes.</summary>
    public static IEnumerable<string> UnservedWarnings(PoolConfig config, string file)
    {
        foreach (var entry in config.Schedule.Where(e => !e.FromRuby))
        {
            if (Serving(config, entry.Queue).Any()) continue;
            var groups = string.Join(", ", config.Groups.Where(RunsWorkers).Select(g => g.Key));
            yield return Where(entry.QueuePlace, file, entry).Error(
                $"its queue '{entry.Queue}' is served by no group here ({(groups.Length > 0 ? "groups with workers: " + groups : "no group runs workers")}), so its jobs would wait in the queue unless another pool serves it; " +
                $"add '{entry.Queue}' to a group's queue list, or fix the entry's queue:").Message;
        }
    }

    /// <summary>
    /// Warnings for entries whose class some pool-worker groups serving the queue lack.
    /// </summary>
    /// <param name="loaded">pool-worker --check's answer ("3 job class(es): A, B, C") by each command it was asked of, the argv joined by NUL.</param>
    /// <exception cref="ConfigException">An entry whose queue only pool-worker groups serve, none of which loads its class.</exception>
    public static IReadOnlyList<string> ClassProblems(PoolConfig config, IReadOnlyList<string> workerCommand, IReadOnlyDictionary<string, string> loaded)
    {
        var warnings = new List<string>();
        foreach (var entry in config.Schedule.Where(e => !e.FromRuby && !e.Class.Contains('.', StringComparison.Ordinal)))
        {
            var serving = Serving(config, entry.Queue).ToList();
            var lacking = new List<(WorkerGroup Group, IReadOnlyList<string> Classes)>();
            foreach (var group in serving)
            {
                if (!loaded.TryGetValue(string.Join('\0', group.Argv(workerCommand)), out var answer)) continue;
                var classes = ClassesIn(answer);
                if (!classes.Contains(entry.Class, StringComparer.Ordinal)) lacking.Add((group, classes));
            }
            if (lacking.Count == 0) continue;
            var known = lacking.SelectMany(l => l.Classes).Distinct(StringComparer.Ordinal).ToList();
            var guess = Closest(entry.Class, known) is { } near ? $"did you mean {near}? " : "";
            var groups = string.Join(", ", lacking.Select(l => $"'{l.Group.Key}'"));
            var place = Where(entry.ClassPlace, ConfigLoader.DisplayPath(config.SourcePath), entry);
            if (lacking.Count == serving.Count)
                throw place.Error(
                    $"class '{entry.Class}' is not a job class of the pool-worker group(s) {groups} that serve its queue '{entry.Queue}', so every run would fail as Pool::UnknownJob; " +
                    $"{guess}fix class: (the job classes: {Listed(known)}), or publish the job class in POOL_JOBS");
            warnings.Add(place.Error(
                $"class '{entry.Class}' is not a job class of the pool-worker group(s) {groups}, which also serve its queue '{entry.Queue}' and would fail each run they take as Pool::UnknownJob; " +
                $"{guess}fix class:, or give the entry a queue only the workers that have the class serve").Message);
        }
        return warnings;
    }

    /// <summary>The place pool.yml gives, else the entry's line (an entry not read from a file).</summary>
    private static ConfigPlace Where(ConfigPlace? place, string file, ScheduleEntry entry) =>
        place ?? new ConfigPlace(file, entry.Line, $"{ScheduleReader.Key}.{entry.Name}");

    /// <summary>The class names in pool-worker --check's answer ("3 job class(es): A, B, C").</summary>
    internal static IReadOnlyList<string> ClassesIn(string answer)
    {
        const string Marker = "job class(es):";
        var at = answer.IndexOf(Marker, StringComparison.Ordinal);
        return at < 0 ? [] : answer[(at + Marker.Length)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>The known class <paramref name="cls"/> is a near miss of: the same but for case, the same last part (Welcome, Mailer::Welcome), or <see cref="NearMiss"/>'s near miss.</summary>
    internal static string? Closest(string cls, IReadOnlyList<string> known)
    {
        static string Last(string name) => name[(Math.Max(name.LastIndexOf(':'), name.LastIndexOf('.')) + 1)..];
        return known.FirstOrDefault(k => string.Equals(k, cls, StringComparison.OrdinalIgnoreCase))
            ?? known.FirstOrDefault(k => string.Equals(Last(k), Last(cls), StringComparison.OrdinalIgnoreCase))
            ?? NearMiss.Closest(cls, known);
    }

    private static string Listed(IReadOnlyList<string> names) =>
        names.Count == 0 ? "none" : names.Count <= 10 ? string.Join(", ", names) : string.Join(", ", names.Take(10)) + $", ... ({names.Count} in all)";
}
