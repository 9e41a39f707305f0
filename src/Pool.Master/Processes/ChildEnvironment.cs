using System.Globalization;
using Pool.Master.Cli;
using Pool.Master.Config;

namespace Pool.Master.Processes;

/// <summary>The variables the master adds to each worker's environment (DESIGN.md, "pool-master").</summary>
internal static class ChildEnvironment
{
    public static Dictionary<string, string> For(MasterSettings settings, WorkerGroup group, int slot, int masterPid)
    {
        var timeout = Seconds(group.TermTimeout ?? settings.TermTimeout);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["QUEUES"] = group.QueueList,
            ["TERM_CHILD"] = "1",
            ["TERM_TIMEOUT"] = timeout,
            // Ruby's resque reads this name; a `rake resque:work` child gets the same deadline.
            ["RESQUE_TERM_TIMEOUT"] = timeout,
            ["REDIS_URL"] = settings.RedisUrl,
            ["POOL_MASTER_PID"] = masterPid.ToString(CultureInfo.InvariantCulture),
            ["POOL_WORKER_SLOT"] = slot.ToString(CultureInfo.InvariantCulture),
        };
        if (settings.Namespace != "resque") env["POOL_NAMESPACE"] = settings.Namespace;
        // --log-format reaches the workers too: one text line in a JSON stream breaks its parser.
        env["POOL_LOG_FORMAT"] = settings.LogFormat == Pool.Logging.LogFormat.Json ? "json" : "text";
        if (group.JobTimeout is { } jobTimeout) env["POOL_JOB_TIMEOUT"] = Seconds(jobTimeout);
        if (group.MaxJobs is { } maxJobs) env["POOL_MAX_JOBS"] = maxJobs.ToString(CultureInfo.InvariantCulture);
        group.Retries?.AddTo(env);
        return env;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
