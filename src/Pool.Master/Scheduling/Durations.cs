using System.Globalization;
using System.Text.RegularExpressions;

namespace Pool.Master.Scheduling;

/// <summary>
/// Durations as people and rufus-scheduler write them: "90" (seconds), "30s", "5m", "1h",
/// "2d", "1w", and sums such as "1h30m". Used by `enqueue --in` and a schedule's `every`.
/// </summary>
internal static partial class Durations
{
    [GeneratedRegex(@"^\s*(?:(\d+(?:\.\d+)?)\s*([smhdw]))+\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex Sum();

    [GeneratedRegex(@"(\d+(?:\.\d+)?)\s*([smhdw])", RegexOptions.IgnoreCase)]
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
            seconds += n * char.ToLowerInvariant(m.Groups[2].Value[0]) switch { 's' => 1, 'm' => 60, 'h' => 3600, 'd' => 86_400, _ => 604_800 };
        }
        if (seconds > 366 * 86_400.0) return false;
        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    public const string Help = "a number of seconds, or 30s, 5m, 1h, 2d, 1w and sums such as 1h30m";
}
