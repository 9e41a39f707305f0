using System.Globalization;
using Pool.Master.Config;
using Pool.Settings;

namespace Pool.Master.Processes;

/// <summary>The variables the master adds to each worker's environment (DESIGN.md, "pool-master").</summary>
internal static class ChildEnvironment
{
    public static Dictionary<string, string> For(MasterSettings settings, WorkerGroup group, int slot, int masterPid, bool paused = false)
    {
        var timeout = Seconds(group.TermTimeout ?? settings.TermTimeout);
        var env = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [PoolVariables.Queues] = group.QueueList,
            [PoolVariables.TermChild] = "1",
            [PoolVariables.TermTimeout] = timeout,
            // Ruby's resque reads this name; a `rake resque:work` child gets the same deadline.
            [PoolVariables.ResqueTermTimeout] = timeout,
            [PoolVariables.RedisUrl] = settings.RedisUrl,
            [PoolVariables.MasterPid] = masterPid.ToString(CultureInfo.InvariantCulture),
            [PoolVariables.WorkerSlot] = slot.ToString(CultureInfo.InvariantCulture),
        };
        if (settings.Namespace != "resque") env[PoolVariables.Namespace] = settings.Namespace;
        // resque-pool's -E sets these for its workers, so a `rake resque:work` child boots the
        // Rails environment the pool was started for, not development.
        if (settings.EnvironmentFromFlag && settings.Environment is { } name)
        {
            foreach (var variable in EnvironmentVariables) env[variable] = name;
        }
        // --log-format reaches the workers too: one text line in a JSON stream breaks its parser.
        env[PoolVariables.LogFormat] = settings.LogFormat == Pool.Logging.LogFormat.Json ? "json" : "text";
        if (group.JobTimeout is { } jobTimeout) env[PoolVariables.JobTimeout] = Seconds(jobTimeout);
        // Always, even 1: a POOL_CONCURRENCY in the master's own environment must not give a
        // group with `concurrency: 1` more lanes than the master recovers (GroupConcurrency.Resolve).
        env[PoolVariables.Concurrency] = group.Concurrency.ToString(CultureInfo.InvariantCulture);
        if (group.MaxJobs is { } maxJobs) env[PoolVariables.MaxJobs] = maxJobs.ToString(CultureInfo.InvariantCulture);
        group.Retries?.AddTo(env);
        if (paused) env[PoolVariables.Paused] = "1";
        return env;
    }

    /// <summary>
    /// A standby's (`standby: N`): the group's variables with POOL_STANDBY=1 instead of a slot,
    /// which the master writes to its stdin when it gives it one (StandbyPromotion).
    /// </summary>
    public static Dictionary<string, string> ForStandby(MasterSettings settings, WorkerGroup group, int masterPid, bool paused = false)
    {
        var env = For(settings, group, slot: 0, masterPid, paused);
        env.Remove(PoolVariables.WorkerSlot);
        env[PoolVariables.Standby] = "1";
        return env;
    }

    /// <summary>Set to --environment's name in every worker: resque-pool's three, and Pool's own.</summary>
    internal static readonly string[] EnvironmentVariables = ["RACK_ENV", "RAILS_ENV", "RESQUE_ENV", "POOL_ENV"];

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
}
