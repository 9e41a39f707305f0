using System.Globalization;

namespace Pool.Settings;

/// <summary>
/// A number of seconds with a documented range, shared by pool-master and pool-worker (compiled
/// into both). Every duration either process reads from a user passes through one of these, so
/// a value that is accepted can always become a TimeSpan, a DateTimeOffset deadline and a
/// CancelAfter timer: all of them overflow somewhere past 49 days.
/// </summary>
internal readonly record struct SecondsRange(double Min, double Max, bool MinIncluded = true)
{
    /// <summary>One day. The longest deadline or timeout Pool takes; far below every timer's limit (49.7 days).</summary>
    public const double OneDay = 86_400;

    /// <summary>term_timeout, --term-timeout, TERM_TIMEOUT: 0 (kill at once) to one day.</summary>
    public static readonly SecondsRange TermTimeout = new(0, OneDay);

    /// <summary>job_timeout and POOL_JOB_TIMEOUT: above 0, to one day (the hard limit adds 5 s).</summary>
    public static readonly SecondsRange JobTimeout = new(0, OneDay, MinIncluded: false);

    /// <summary>POOL_KILL_GRACE: 0 to one hour.</summary>
    public static readonly SecondsRange KillGrace = new(0, 3_600);

    /// <summary>POOL_BACKOFF_MIN, POOL_BACKOFF_MAX, POOL_BACKOFF_RESET: 0 to one day.</summary>
    public static readonly SecondsRange Backoff = new(0, OneDay);

    /// <summary>POOL_POLL_INTERVAL: above 0, to one hour.</summary>
    // Redis reads a BLPOP timeout below a millisecond as 0, which blocks for ever; 10 ms is as
    // often as an idle poll is worth.
    public static readonly SecondsRange PollInterval = new(0.01, 3_600);

    public bool Contains(double seconds) =>
        double.IsFinite(seconds) && (MinIncluded ? seconds >= Min : seconds > Min) && seconds <= Max;

    /// <summary>Parses an invariant-culture number of seconds inside the range.</summary>
    public bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (!double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) || !Contains(seconds)) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>
    /// What a value must be, worded for <paramref name="text"/>: "must be a number of seconds from
    /// 0 to 86400", or, for a number above the range, "is too large: at most 86400 seconds (1
    /// day)". Told that 99999999999999 is not a number of seconds, a user looks for a typo.
    /// </summary>
    public string Requirement(string? text) => IsTooLarge(text) ? TooLarge : $"must be a number of seconds {this}";

    /// <inheritdoc cref="Requirement(string?)"/>
    public string Requirement(double seconds) => seconds > Max ? TooLarge : $"must be a number of seconds {this}";

    /// <summary>Whether <paramref name="text"/> is a number above the range (infinity too: "1e400" reads as one).</summary>
    public bool IsTooLarge(string? text) =>
        double.TryParse(text?.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && seconds > Max;

    /// <summary>"is too large: at most 86400 seconds (1 day)".</summary>
    public string TooLarge => string.Create(CultureInfo.InvariantCulture, $"is too large: at most {Max} seconds{InWords(Max)}");

    /// <summary>" (1 day)", " (1 hour)" for a whole number of days or hours; empty otherwise.</summary>
    private static string InWords(double seconds) => seconds switch
    {
        >= OneDay when seconds % OneDay == 0 => Plural(seconds / OneDay, "day"),
        >= 3_600 when seconds % 3_600 == 0 => Plural(seconds / 3_600, "hour"),
        _ => "",
    };

    private static string Plural(double n, string unit) => string.Create(CultureInfo.InvariantCulture, $" ({n} {unit}{(n == 1 ? "" : "s")})");

    /// <summary>"from 0 to 86400" or "above 0 and at most 86400", for messages.</summary>
    public override string ToString() => MinIncluded
        ? string.Create(CultureInfo.InvariantCulture, $"from {Min} to {Max}")
        : string.Create(CultureInfo.InvariantCulture, $"above {Min} and at most {Max}");
}
