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

    /// <summary>A pending retry as resque-retry leaves it: a delayed job, its attempt counter, and its suppressed last failure.</summary>
    public static async Task<Pool.Protocol.Scheduling.DelayedJob> RetryAsync(IDatabase db, ResqueKeys keys, DateTimeOffset at, string queue, string cls, int counter, string error, params object?[] args)
    {
        var scheduler = new Pool.Protocol.Scheduling.SchedulerKeys(keys);
        var job = await new Pool.Protocol.Scheduling.DelayedQueue(db, scheduler).EnqueueAtAsync(at, queue, cls, args);
        var key = Pool.Protocol.Retries.RetryKeys.Counter(job.Class, job.ArgsJson);
        await db.StringSetAsync(scheduler.Retry(key), counter);
        await db.StringSetAsync(scheduler.RetryFailure(key), JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["failed_at"] = "2026/12/01 12:00:00",
            ["payload"] = new Dictionary<string, object?> { ["class"] = cls, ["args"] = args },
            // "Net::ReadTimeout: smtp.example.com" is the exception class and its message.
            ["exception"] = error.Contains(": ", StringComparison.Ordinal) ? error[..error.IndexOf(": ", StringComparison.Ordinal)] : "RuntimeError",
            ["error"] = error.Contains(": ", StringComparison.Ordinal) ? error[(error.IndexOf(": ", StringComparison.Ordinal) + 2)..] : error,
            ["backtrace"] = new[] { "app/jobs/flaky.rb:3:in `perform'" },
            ["worker"] = "web1:100:" + queue,
            ["queue"] = queue,
        }), TimeSpan.FromHours(1));
        return job;
    }

    /// <summary>A recurring entry as pool.yml's schedule: section makes it.</summary>
    public static global::Pool.Master.Config.ScheduleEntry Every(string name, string every, string cls, string queue, string argsJson = "[]", string? description = null) =>
        new(name, new global::Pool.Master.Scheduling.EveryRecurrence(every, global::Pool.Master.Scheduling.Durations.TryParse(every, out var interval) ? interval : throw new ArgumentException(every)), cls, queue, argsJson, description, global::Pool.Master.Config.MissedPolicy.Skip, 1);

    public static async Task QueueAsync(IDatabase db, ResqueKeys keys, string queue, params string[] jobs)
    {
        await db.SetAddAsync(keys.Queues, queue);
        if (jobs.Length > 0) await db.ListRightPushAsync(keys.Queue(queue), jobs.Select(j => (RedisValue)j).ToArray());
    }
}
