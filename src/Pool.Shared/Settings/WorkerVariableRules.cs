using System.Globalization;

namespace Pool.Settings;

/// <summary>
/// What the variables a worker reads must hold, in one place for both programs: pool-worker
/// refuses a bad one at start, and pool-master refuses it in `check`, at start and so before
/// any worker inherits it. Before, the master passed them on unread: `check` and the start
/// said nothing, and every worker then exited at start (POOL_CONCURRENCY=0, POOL_MAX_JOBS=-1),
/// a crash loop, or silently used its default (POOL_POLL_INTERVAL=abc, POOL_LOG_LEVEL=bogus).
/// Each problem is one line that names the variable, what it must be, and the value given.
/// POOL_RETRIES and POOL_RETRY_DELAYS are judged beside these by the reader itself
/// (RetryPolicy.Problem in Pool.Protocol, which this assembly does not see).
/// </summary>
internal static class WorkerVariableRules
{
    /// <summary>The first problem among the worker variables <paramref name="get"/> returns (null or empty: unset), or null.</summary>
    public static string? FirstProblem(Func<string, string?> get, int maxConcurrency) =>
        TermTimeout(PoolVariables.TermTimeout, get(PoolVariables.TermTimeout))
        ?? TermTimeout(PoolVariables.ResqueTermTimeout, get(PoolVariables.ResqueTermTimeout))
        ?? MaxJobs(get(PoolVariables.MaxJobs))
        ?? JobTimeout(get(PoolVariables.JobTimeout))
        ?? Concurrency(get(PoolVariables.Concurrency), maxConcurrency)
        ?? PollInterval(get(PoolVariables.PollInterval))
        ?? MaxAttempts(get(PoolVariables.MaxAttempts))
        ?? LogLevel(get(PoolVariables.LogLevel));

    /// <summary>TERM_TIMEOUT or its Resque alias: a worker alone read "abc" as unset and ran with 25 s.</summary>
    public static string? TermTimeout(string name, string? text) =>
        IsUnset(text) || (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && SecondsRange.TermTimeout.Contains(s))
            ? null : $"{name}='{text}' {SecondsRange.TermTimeout.Requirement(text)}; set it to e.g. 25";

    public static string? MaxJobs(string? text) =>
        IsUnset(text) || (int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 1)
            ? null : $"{PoolVariables.MaxJobs} must be a whole number of jobs above zero, not '{text}'";

    public static string? JobTimeout(string? text)
    {
        if (IsUnset(text) || TryParseJobTimeout(text!, out _, out _)) return null;
        var range = SecondsRange.JobTimeout;
        // A number past the range is too large, not a malformed SOFT,HARD.
        return text!.Split(',').Any(range.IsTooLarge)
            ? $"{PoolVariables.JobTimeout}='{text}': each of SOFT and HARD {range.TooLarge}"
            : $"{PoolVariables.JobTimeout} must be SOFT or SOFT,HARD seconds, each {range} (HARD >= SOFT), not '{text}'";
    }

    /// <summary>SOFT or SOFT,HARD seconds; <paramref name="hard"/> is 0 when not given.</summary>
    public static bool TryParseJobTimeout(string text, out double soft, out double hard)
    {
        hard = 0;
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var range = SecondsRange.JobTimeout;
        if (parts.Length is < 1 or > 2 || !double.TryParse(parts[0], NumberStyles.Float, CultureInfo.InvariantCulture, out soft) || !range.Contains(soft))
        {
            soft = 0;
            return false;
        }
        return parts.Length == 1 || (double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out hard) && hard >= soft && range.Contains(hard));
    }

    public static string? Concurrency(string? text, int max) =>
        IsUnset(text) || (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 1 && n <= max)
            ? null : $"{PoolVariables.Concurrency} must be a whole number of jobs from 1 to {max}, not '{text}'";

    public static string? PollInterval(string? text) =>
        IsUnset(text) || (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && SecondsRange.PollInterval.Contains(s))
            ? null : $"{PoolVariables.PollInterval} {SecondsRange.PollInterval.Requirement(text)}, not '{text}'";

    public static string? MaxAttempts(string? text) =>
        IsUnset(text) || PoolVariables.MaxAttemptsFrom(text) is not null
            ? null : $"{PoolVariables.MaxAttempts} must be a whole number of deaths above zero (after which a job is poison), not '{text}'";

    public static string? LogLevel(string? text) =>
        IsUnset(text) || Enum.TryParse<Serilog.Events.LogEventLevel>(text, ignoreCase: true, out _) && !int.TryParse(text, out _)
            ? null : $"{PoolVariables.LogLevel} must be one of verbose, debug, information, warning, error, fatal, not '{text}'";

    private static bool IsUnset(string? text) => string.IsNullOrWhiteSpace(text);
}
