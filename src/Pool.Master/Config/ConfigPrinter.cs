using System.Globalization;
using System.Text;

namespace Pool.Master.Config;

/// <summary>The resolved pool as `pool-master check` prints it.</summary>
public static class ConfigPrinter
{
    public static string Describe(PoolConfig config)
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.Append(inv, $"config: {config.SourcePath}\n");
        sb.Append(inv, $"environment: {config.Environment ?? "(none)"}\n");
        sb.Append(inv, $"workers: {config.TotalWorkers} in {config.Groups.Count} group(s)\n");
        foreach (var g in config.Groups)
        {
            sb.Append(inv, $"  {g.QueueList}: {(g.Scaling is { } rule ? rule.Describe() : g.AutoCount ? $"{g.Count} (auto)" : g.Count)}");
            var options = sb.Length;
            if (g.Concurrency > 1) sb.Append(inv, $" concurrency={g.Concurrency}");
            if (g.Standby > 0) sb.Append(inv, $" standby={g.Standby}");
            if (g.TermTimeout is { } t) sb.Append(inv, $" term_timeout={t.TotalSeconds}s");
            if (g.MemoryLimitMb is { } m) sb.Append(inv, $" memory_limit_mb={m}");
            if (g.MaxJobs is { } j) sb.Append(inv, $" max_jobs={j}");
            if (g.JobTimeout is { } jt) sb.Append(inv, $" job_timeout={jt.TotalSeconds}s");
            if (g.Retries is { } r) sb.Append(r);
            if (g.Command is { } c) sb.Append(inv, $" command=\"{Pool.Protocol.Connection.RedisUrl.RedactWithin(c)}\"");
            // A range's description ends in words ("... per 30 s quiet"): the options read as part of it without a stop.
            if (g.Scaling is not null && sb.Length > options) sb.Insert(options, ';');
            sb.Append('\n');
        }
        if (config.Schedule.Count > 0) sb.Append(ScheduleEntry.Describe(config.Schedule, DateTimeOffset.UtcNow));
        return sb.ToString();
    }

    /// <summary>
    /// The job classes pool-worker loads, from its answer for each distinct command: one `jobs:`
    /// line when every command loads the same ones (it was one line a command, the same line
    /// again for each group with a command of its own), else a line for each set of job classes,
    /// naming the groups that load it.
    /// </summary>
    internal static string DescribeJobs(IReadOnlyList<(string Answer, IReadOnlyList<string> Groups)> answers)
    {
        var sets = answers.GroupBy(a => a.Answer, StringComparer.Ordinal).ToList();
        if (sets.Count == 1) return $"jobs: {sets[0].Key}\n";
        var sb = new StringBuilder();
        foreach (var set in sets)
            sb.Append(CultureInfo.InvariantCulture, $"jobs of {string.Join(", ", set.SelectMany(a => a.Groups).Select(g => $"'{g}'"))}: {set.Key}\n");
        return sb.ToString();
    }
}
