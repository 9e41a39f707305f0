using System.Globalization;

namespace Pool.Master.Web;

/// <summary>Numbers, durations and times as the pages show them.</summary>
internal static class Format
{
    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>"1 job", "2 jobs": the count with the word that agrees with it.</summary>
    public static string Count(long n, string one, string many) => Count(n) + " " + (n == 1 ? one : many);

    public static string Duration(TimeSpan? span)
    {
        if (span is not { } t) return "—";
        if (t < TimeSpan.Zero) t = TimeSpan.Zero;
        if (t.TotalSeconds < 1) return $"{(int)t.TotalMilliseconds} ms";
        if (t.TotalMinutes < 1) return $"{(int)t.TotalSeconds} s";
        if (t.TotalHours < 1) return $"{t.Minutes}m {t.Seconds:00}s";
        if (t.TotalDays < 1) return $"{(int)t.TotalHours}h {t.Minutes:00}m";
        return $"{(int)t.TotalDays}d {t.Hours:00}h";
    }

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC" : "—";

    public static string Bytes(long? bytes) =>
        bytes is { } b ? (b / 1048576.0).ToString("0.0", CultureInfo.InvariantCulture) + " MB" : "—";

    /// <summary>Text cut to <paramref name="max"/> characters for a table cell; the full text is in the detail view.</summary>
    public static string Clip(string? text, int max = 120) =>
        text is null ? "" : text.Length <= max ? text : text[..max] + "…";

    public static int Int(string? value, int fallback, int min, int max) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Clamp(n, min, max) : fallback;

    public static long? Long(string? value) =>
        long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
}
