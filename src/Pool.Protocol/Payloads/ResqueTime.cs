using System.Globalization;

namespace Pool.Protocol.Payloads;

/// <summary>The date formats Resque writes: ISO-8601 for the registry, "Y/m/d H:M:S UTC" for failures, Ruby's Time#to_s for a start time.</summary>
public static class ResqueTime
{
    /// <summary>2026-11-25T13:33:11Z, as in resque:worker:ID's run_at and the heartbeat hash.</summary>
    public static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>2026-11-25 13:33:11 +0000, Ruby's Time#to_s in UTC, as Resque's worker_started writes resque:worker:ID:started.</summary>
    public static string Started(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>2026/11/25 13:33:11 UTC, as in resque:failed's failed_at.</summary>
    public static string Failed(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy'/'MM'/'dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
}
