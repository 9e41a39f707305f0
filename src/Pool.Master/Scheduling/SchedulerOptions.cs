using Pool.Master.Config;

using Pool.Settings;

namespace Pool.Master.Scheduling;

/// <summary>
/// How the scheduler inside pool-master runs, from the environment:
/// POOL_SCHEDULER (on by default; off, 0 or false turns it off), POOL_SCHEDULER_LEASE (seconds
/// the lease lives without renewal, default 10: a dead leader is replaced within that plus one
/// poll), POOL_SCHEDULER_POLL (seconds between polls, default 1: the fallback for jobs that a
/// foreign producer schedules less than a poll ahead, and the renewal period), and
/// RESQUE_SCHEDULER_MASTER_LOCK_PREFIX, read the way resque-scheduler reads it.
/// </summary>
internal sealed record SchedulerOptions
{
    public bool Enabled { get; init; } = true;
    public TimeSpan Lease { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan Poll { get; init; } = TimeSpan.FromSeconds(1);
    public string? LockPrefix { get; init; }
    /// <summary>Jobs per atomic move (POOL_SCHEDULER_BATCH, 1 to 10000); smaller keeps each script shorter.</summary>
    public int Batch { get; init; } = Pool.Protocol.Scheduling.SchedulerStore.MoveBatch;

    private static readonly SecondsRange LeaseRange = new(2, SecondsRange.OneDay);
    private static readonly SecondsRange PollRange = new(0, 60, MinIncluded: false);

    /// <exception cref="FormatException">A variable that is set but not valid; the message names it and how to fix it.</exception>
    public static SchedulerOptions FromEnvironment(IReadOnlyDictionary<string, string?> env)
    {
        var enabled = SettingsResolver.Get(env, "POOL_SCHEDULER")?.Trim().ToLowerInvariant() switch
        {
            null or "" or "on" or "1" or "true" or "yes" => true,
            "off" or "0" or "false" or "no" => false,
            var other => throw new FormatException($"POOL_SCHEDULER='{other}' must be on or off; set POOL_SCHEDULER=off to run this master without the scheduler"),
        };
        var options = new SchedulerOptions
        {
            Enabled = enabled,
            Lease = SettingsResolver.Get(env, "POOL_SCHEDULER_LEASE") is { } l ? SettingsResolver.Seconds(l, "POOL_SCHEDULER_LEASE", LeaseRange, "10") : TimeSpan.FromSeconds(10),
            Poll = SettingsResolver.Get(env, "POOL_SCHEDULER_POLL") is { } p ? SettingsResolver.Seconds(p, "POOL_SCHEDULER_POLL", PollRange, "1") : TimeSpan.FromSeconds(1),
            LockPrefix = SettingsResolver.Get(env, "RESQUE_SCHEDULER_MASTER_LOCK_PREFIX"),
            Batch = SettingsResolver.Get(env, "POOL_SCHEDULER_BATCH") is { } b ? ParseBatch(b) : Pool.Protocol.Scheduling.SchedulerStore.MoveBatch,
        };
        if (options.Poll * 2 > options.Lease)
            throw new FormatException($"POOL_SCHEDULER_POLL ({options.Poll.TotalSeconds}s) must be at most half of POOL_SCHEDULER_LEASE ({options.Lease.TotalSeconds}s), or the leader's lease lapses between renewals");
        return options;
    }

    private static int ParseBatch(string raw) =>
        int.TryParse(raw.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= 10_000
            ? n
            : throw new FormatException($"POOL_SCHEDULER_BATCH='{raw}' must be a whole number of jobs from 1 to 10000; set it to e.g. 1000");
}
