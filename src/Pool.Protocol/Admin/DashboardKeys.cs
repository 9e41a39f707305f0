using Pool.Protocol.Keys;

namespace Pool.Protocol.Admin;

/// <summary>
/// The keys the web dashboard adds under NS:pool:* (Resque never reads them). Kept apart from
/// <see cref="ResqueKeys"/> because only the dashboard and the masters' publisher use them.
/// </summary>
public sealed class DashboardKeys(ResqueKeys keys)
{
    private string K(string rest) => keys.Namespace + ":pool:" + rest;

    /// <summary>Sorted set of live masters: member = master id (HOST:PID), score = when its snapshot expires (unix ms).</summary>
    public string Masters => K("masters");

    /// <summary>One master's snapshot (JSON), with a TTL; gone a few seconds after the master stops publishing.</summary>
    public string Master(string id) => K("master:" + id);

    /// <summary>Sorted set of per-minute samples of the totals: score = unix minute, member = "minute:processed:failed".</summary>
    public string MinuteHistory => K("history:minute");

    /// <summary>Sorted set of per-day samples of the totals: score = unix day, member = "day:processed:failed".</summary>
    public string DayHistory => K("history:day");
}
