using System.Globalization;

namespace Pool.Worker.Limits;

/// <summary>
/// A job's time limit. At <see cref="Soft"/> the job's token fires: a job that stops is failed
/// as Pool::JobTimeout. At <see cref="Hard"/> a job still running is failed as Pool::JobTimeout
/// too, and, since its thread cannot be stopped, the worker process recycles itself.
/// </summary>
public readonly record struct TimeLimit(TimeSpan Soft, TimeSpan Hard)
{
    /// <summary>How long after the soft limit the hard one falls when none is given.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(5);

    public static TimeLimit Of(double softSeconds, double hardSeconds = 0)
    {
        if (softSeconds <= 0) throw new ArgumentOutOfRangeException(nameof(softSeconds), "the soft limit must be above zero seconds");
        var soft = TimeSpan.FromSeconds(softSeconds);
        var hard = hardSeconds > 0 ? TimeSpan.FromSeconds(hardSeconds) : soft + DefaultGrace;
        if (hard < soft) throw new ArgumentOutOfRangeException(nameof(hardSeconds), "the hard limit must not come before the soft one");
        return new TimeLimit(soft, hard);
    }

    /// <summary>Parses POOL_JOB_TIMEOUT: "SOFT" or "SOFT,HARD" in seconds.</summary>
    public static bool TryParse(string? text, out TimeLimit limit, out string? error)
    {
        limit = default;
        error = null;
        var parts = (text ?? "").Split(',', StringSplitOptions.TrimEntries);
        var range = Pool.Settings.SecondsRange.JobTimeout;
        if (parts.Length is < 1 or > 2
            || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var soft) || !range.Contains(soft)
            || (parts.Length == 2 && (!double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var h) || h < soft || !range.Contains(h))))
        {
            error = $"POOL_JOB_TIMEOUT must be SOFT or SOFT,HARD seconds, each {range} (HARD >= SOFT), not '{text}'";
            return false;
        }
        limit = Of(soft, parts.Length == 2 ? double.Parse(parts[1], CultureInfo.InvariantCulture) : 0);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"soft {Soft.TotalSeconds:0.###} s, hard {Hard.TotalSeconds:0.###} s");
}
