using System.Globalization;

namespace Pool.Master.Capacity;

/// <summary>Sizes as people read them in logs and `check`: MB below 10 GB, GB above.</summary>
internal static class Megabytes
{
    public const long Bytes = 1024 * 1024;

    public static string Format(long bytes) => bytes switch
    {
        long.MaxValue => "unlimited",
        >= 10 * 1024 * Bytes => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * Bytes):0.0} GB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)Bytes:0} MB"),
    };
}

/// <summary>The "  123456 kB" values of /proc files.</summary>
internal static class Kilobytes
{
    public static long? Parse(string value)
    {
        var number = value.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var kb) ? kb : null;
    }
}
