using Pool.Master.Backoff;
using Pool.Settings;
using Pool.Master.Config;

namespace Pool.Master.Supervision;

/// <summary>Timings of the supervisor that are not in MasterSettings, with the environment variables tests use to shrink them.</summary>
internal sealed record SupervisorOptions
{
    public BackoffOptions Backoff { get; init; } = BackoffOptions.Default;
    /// <summary>How often housekeeping runs: healthy checks and memory sampling.</summary>
    public TimeSpan HousekeepingInterval { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>How often expired worker leases are swept (RecoverExpiredAsync).</summary>
    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromSeconds(3);
    /// <summary>How long to wait for a child that got SIGKILL before giving up on it (the "wait briefly" stage).</summary>
    public TimeSpan AfterKillWait { get; init; } = TimeSpan.FromSeconds(2);
    /// <summary>Bound on every Redis call the master makes.</summary>
    public TimeSpan StoreTimeout { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>POOL_BACKOFF_RESET, POOL_BACKOFF_MIN and POOL_BACKOFF_MAX (seconds) override the backoff.</summary>
    public static SupervisorOptions FromEnvironment(IReadOnlyDictionary<string, string?> env)
    {
        var d = BackoffOptions.Default;
        return new SupervisorOptions
        {
            Backoff = new BackoffOptions(
                Seconds(env, "POOL_BACKOFF_MIN") ?? d.Minimum,
                Seconds(env, "POOL_BACKOFF_MAX") ?? d.Maximum,
                Seconds(env, "POOL_BACKOFF_RESET") ?? d.ResetAfter),
        };
    }

    private static TimeSpan? Seconds(IReadOnlyDictionary<string, string?> env, string name) =>
        SettingsResolver.Get(env, name) is { } raw ? SettingsResolver.Seconds(raw, name, SecondsRange.Backoff, "1") : null;
}
