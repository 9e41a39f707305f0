using System.Globalization;
using System.Text.RegularExpressions;

namespace Pool.Master.Scheduling;

/// <summary>
/// Durations as rufus-scheduler (resque-scheduler's `every`) reads them: "90" (seconds), "30s",
/// "5m", "1h", "2d", "1w", "1M" (30 days), "1y" (365 days), and sums such as "1h30m". The unit
/// letters are case-sensitive as in rufus: `M` is a month and `m` a minute, so a migrated
/// `every: 1M` runs monthly, not every minute; `1H` is refused, as rufus refuses it. Used by
/// `enqueue --in` and a schedule's `every`.
/// </summary>
internal static partial class Durations
{
    [GeneratedRegex(@"^\s*(?:(\d+(?:\.\d+)?)\s*([yMwdhms]))+\s*$")]
    private static partial Regex Sum();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)\s*([yMwdhms])")]
    private static partial Regex Part();

    /// <summary>366 days: the longest delay or interval taken; far below every timer's and TimeSpan's limit.</summary>
    private const double MaxSeconds = 366 * 86_400.0;

    /// <summary>What a duration past <see cref="MaxSeconds"/> is told, after the value: a number that large is no typo of the form.</summary>
    public const string TooLarge = "is too large: at most 366 days (366d)";

    public static bool TryParse(string? text, out TimeSpan value) => TryParse(text, out value, out _);

    /// <param name="tooLarge">Set when the text is a duration, but longer than 366 days.</param>
    public static bool TryParse(string? text, out TimeSpan value, out bool tooLarge)
    {
        value = TimeSpan.Zero;
        tooLarge = false;
        if (Seconds(text) is not { } seconds) return false;
        tooLarge = seconds > MaxSeconds;
        if (tooLarge) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>The seconds the text adds up to, unbounded (infinity for "1e400"); null when it is no duration.</summary>
    private static double? Seconds(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain))
            return double.IsNaN(plain) || plain < 0 ? null : plain;
        if (!Sum().IsMatch(text)) return null;
        double seconds = 0;
        foreach (Match m in Part().Matches(text))
            seconds += double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * UnitSeconds(m.Groups[2].Value[0]);
        return seconds;
    }

    private static double UnitSeconds(char unit) => unit switch
    {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        'M' => 30 * 86_400, // rufus-scheduler's month
        _ => 365 * 86_400, // 'y', rufus-scheduler's year
    };

    public const string Help = "a number of seconds, or 30s, 5m, 1h, 2d, 1w, 1M (30 days), 1y (365 days) and sums such as 1h30m; the units are case-sensitive as in rufus-scheduler (M is a month, m a minute)";
}
