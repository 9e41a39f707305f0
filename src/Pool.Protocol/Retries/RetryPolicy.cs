using System.Globalization;

namespace Pool.Protocol.Retries;

/// <summary>
/// How many times a failed job runs again and after how long. The default is 3 retries with
/// exponential backoff and jitter (about 15 s, 1 min and 4 min): enough to ride out a deploy, a
/// Redis failover or a rate limit, short enough that a real bug reaches the failed list within
/// about five minutes, and few enough that a job with side effects does not repeat them all day
/// (Sidekiq's 25 retries span 20 days). Failures that cannot heal (an unknown class, arguments
/// that do not bind, a payload that is not JSON, an iteration job past its resumption limit)
/// are never retried.
/// </summary>
/// <param name="Retries">Retries after the first run; 0 turns them off, negative retries forever.</param>
/// <param name="Delays">Seconds before retry 1, 2, ... with the last reused; empty: <see cref="Backoff"/>.</param>
/// <param name="RetryOn">Exception type names (full names) that may be retried; empty: all but <paramref name="NeverRetry"/>.</param>
/// <param name="NeverRetry">Exception type names never retried.</param>
internal sealed record RetryPolicy(int Retries, IReadOnlyList<int> Delays, IReadOnlyList<string> RetryOn, IReadOnlyList<string> NeverRetry)
{
    public const int DefaultRetries = 3;

    /// <summary>Pool's failures of bad input: retrying cannot fix them.</summary>
    public static readonly IReadOnlyList<string> Unhealable = ["Pool::InvalidPayload", "Pool::UnknownJob", "Pool::ArgumentError", "Pool::IterationLimit"];

    public static readonly RetryPolicy Default = new(DefaultRetries, [], [], []);

    /// <summary>
    /// The group's policy from the text of POOL_RETRIES and POOL_RETRY_DELAYS (comma-separated
    /// seconds), which pool-master sets from the group's `retries` and `retry_delays`; null or
    /// empty means the default.
    /// </summary>
    public static RetryPolicy Parse(string? retriesText, string? delaysText)
    {
        var retries = retriesText is { Length: > 0 } r
            ? int.TryParse(r, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var n) ? n
                : throw new FormatException($"POOL_RETRIES='{r}' must be a whole number (0 turns retries off, -1 retries forever)")
            : DefaultRetries;
        var delays = delaysText is { Length: > 0 } d ? ParseDelays(d) : [];
        return Default with { Retries = retries, Delays = delays };
    }

    /// <summary>
    /// What <see cref="Parse"/> would refuse in these values, or null: pool-master's `check` and
    /// pool-worker's start judge the variables with it, so a bad one is refused there instead of
    /// ending every worker once connected (a crash loop that `check` had passed).
    /// </summary>
    internal static string? Problem(string? retriesText, string? delaysText)
    {
        try
        {
            Parse(retriesText, delaysText);
            return null;
        }
        catch (FormatException e)
        {
            return e.Message;
        }
    }

    public static IReadOnlyList<int> ParseDelays(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v <= 31 * 86_400 ? v
                : throw new FormatException($"POOL_RETRY_DELAYS has '{s}': each delay must be whole seconds from 0 to 2678400"))
            .ToList();

    /// <summary>The job type's [Retry] over this (group) policy.</summary>
    public RetryPolicy With(RetryAttribute? attribute) => attribute is null ? this : new RetryPolicy(attribute.Retries,
        attribute.Delays.Length > 0 ? attribute.Delays : Delays,
        attribute.On.Length > 0 ? attribute.On.Select(Name).ToList() : RetryOn,
        [.. NeverRetry, .. attribute.Never.Select(Name)]);

    private static string Name(Type t) => t.FullName ?? t.Name;

    /// <summary>Whether a failure with this exception (and its base types, full names) may be retried at all.</summary>
    public bool Retryable(IReadOnlyList<string> exceptionAndBases)
    {
        if (Retries == 0 || exceptionAndBases.Count == 0) return false;
        if (Unhealable.Contains(exceptionAndBases[0])) return false;
        if (exceptionAndBases.Any(NeverRetry.Contains)) return false;
        return RetryOn.Count == 0 || exceptionAndBases.Any(RetryOn.Contains);
    }

    /// <summary>
    /// Seconds before the retry that follows attempt <paramref name="attempt"/> (0 = the first run), one
    /// entry per possible attempt up to <paramref name="upTo"/>: the script picks by the attempt it counts.
    /// </summary>
    public IReadOnlyList<int> DelayTable(int upTo, Random random)
    {
        var table = new int[Math.Max(1, upTo)];
        for (var i = 0; i < table.Length; i++)
            table[i] = Delays.Count > 0 ? Delays[Math.Min(i, Delays.Count - 1)] : Backoff(i, random);
        return table;
    }

    /// <summary>15 s × 4^attempt, capped at 6 h, with ±25 % jitter so a burst of failures does not retry in lockstep.</summary>
    public static int Backoff(int attempt, Random random)
    {
        var baseSeconds = Math.Min(15 * Math.Pow(4, Math.Min(attempt, 10)), 6 * 3600);
        return (int)Math.Round(baseSeconds * (0.75 + random.NextDouble() * 0.5));
    }
}
