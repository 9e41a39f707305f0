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

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var plain))
        {
            if (!double.IsFinite(plain) || plain < 0 || plain > 366 * 86_400.0) return false;
            value = TimeSpan.FromSeconds(plain);
            return true;
        }
        if (!Sum().IsMatch(text)) return false;
        double seconds = 0;
        foreach (Match m in Part().Matches(text))
        {
            var n = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
            seconds += n * UnitSeconds(m.Groups[2].Value[0]);
        }
        if (seconds > 366 * 86_400.0) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
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
