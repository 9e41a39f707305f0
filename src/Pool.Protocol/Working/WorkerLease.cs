namespace Pool.Protocol.Working;

/// <summary>
/// How long a Pool worker counts as alive without a word from it or its master. The worker renews
/// its lease every second and its master renews the leases of all its live children every second,
/// so a lease runs out only when both are silent: the host died or froze, or a bare pool-worker
/// (no master) stalled. A sweep anywhere then requeues the job. Longer means a dead host's jobs
/// wait longer; shorter means a stall or Redis outage of that length can start a second copy of
/// a job that is still running.
/// </summary>
public static class WorkerLease
{
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan Min = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan Max = TimeSpan.FromHours(1);

    /// <summary>The environment variable that overrides <see cref="Default"/>, in seconds.</summary>

    /// <summary>The lease <paramref name="value"/> (seconds) asks for: <see cref="Default"/> when unset, and also when out of range, with <paramref name="error"/> saying why.</summary>
    public static TimeSpan Parse(string? value, out string? error)
    {
        error = null;
        if (string.IsNullOrWhiteSpace(value)) return Default;
        var number = double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s);
        if (number && s >= Min.TotalSeconds && s <= Max.TotalSeconds)
            return TimeSpan.FromSeconds(s);
        error = number && s > Max.TotalSeconds
            ? $"POOL_LEASE={value} is too large: at most {Max.TotalSeconds} seconds (1 hour); unset it for the default {Default.TotalSeconds} s"
            : $"POOL_LEASE={value} is not a number of seconds from {Min.TotalSeconds} to {Max.TotalSeconds}; unset it for the default {Default.TotalSeconds} s";
        return Default;
    }
}
