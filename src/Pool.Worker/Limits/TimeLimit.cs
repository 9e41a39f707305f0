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
        if (!Pool.Settings.WorkerVariableRules.TryParseJobTimeout(text ?? "", out var soft, out var hard))
        {
            error = Pool.Settings.WorkerVariableRules.JobTimeout(text ?? "");
            return false;
        }
        error = null;
        limit = Of(soft, hard);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"soft {Soft.TotalSeconds:0.###} s, hard {Hard.TotalSeconds:0.###} s");
}
