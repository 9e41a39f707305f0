using System.Text.Json;
using Pool.Protocol.Keys;
using StackExchange.Redis;

namespace Pool.Master.Tests.Web;

/// <summary>Resque-shaped data the dashboard tests put into their namespace.</summary>
internal static class DashboardData
{
    public static string Failed(string cls, string queue, string error, int arg = 1) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["failed_at"] = "2026/12/01 12:00:00 UTC",
        ["payload"] = new Dictionary<string, object> { ["class"] = cls, ["args"] = new object[] { arg } },
        ["exception"] = "RuntimeError",
        ["error"] = error,
        ["backtrace"] = new[] { "app/jobs/job.rb:10:in `perform'", "lib/resque/job.rb:1" },
        ["worker"] = "web1:100:" + queue,
        ["queue"] = queue,
    });

    public static string Job(string cls, params object[] args) =>
        JsonSerializer.Serialize(new Dictionary<string, object> { ["class"] = cls, ["args"] = args });

    public static async Task QueueAsync(IDatabase db, ResqueKeys keys, string queue, params string[] jobs)
    {
        await db.SetAddAsync(keys.Queues, queue);
        if (jobs.Length > 0) await db.ListRightPushAsync(keys.Queue(queue), jobs.Select(j => (RedisValue)j).ToArray());
    }
}
