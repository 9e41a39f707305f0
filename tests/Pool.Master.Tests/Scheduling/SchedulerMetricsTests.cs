using Mono.Unix.Native;
using Pool.Master.Tests.Ops;
using Pool.Master.Tests.Supervision;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>
/// The scheduler's series in the /metrics of a real `pool-master run --http`: who leads, the due
/// backlog and its lag while a Ruby scheduler holds the lock, then the moves and fires once Pool leads.
/// </summary>
public sealed class SchedulerMetricsTests(RedisFixture redis) : OpsTest(redis, "schedmetrics")
{
    private SchedulerKeys SKeys => new(Ns);

    private static readonly string[] Series =
        ["pool_scheduler_due_jobs", "pool_scheduler_fired_total", "pool_scheduler_lag_seconds", "pool_scheduler_leader", "pool_scheduler_moved_total"];

    [Fact(Timeout = 60_000)]
    public async Task Metrics_show_the_backlog_behind_a_ruby_scheduler_then_leadership_moves_and_fires()
    {
        // A Ruby scheduler holds the lock, and three jobs came due ten seconds ago (written as Ruby writes them).
        await Db.StringSetAsync(SKeys.MasterLock(), "ruby-host:4242", TimeSpan.FromSeconds(180));
        var at = DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 10;
        for (var i = 0; i < 3; i++)
        {
            var job = $$"""{"class":"Noop","args":[{{i}}],"queue":"q"}""";
            await Db.ListRightPushAsync(SKeys.Bucket(at), job);
            await Db.SetAddAsync(SKeys.Timestamps(job), SchedulerKeys.BucketName(at));
        }
        await Db.SortedSetAddAsync(SKeys.Schedule, at, at);

        var port = RedisServer.FreePort();
        using var run = MasterRun.Start("q: 0\nschedule:\n  tick:\n    every: 1s\n    class: Noop\n    queue: ticks\n",
            env: new Dictionary<string, string?>
            {
                ["REDIS_URL"] = Redis.Server.Url, ["POOL_NAMESPACE"] = Ns,
                ["POOL_SCHEDULER_LEASE"] = "3", ["POOL_SCHEDULER_POLL"] = "0.5",
            },
            extraArgs: ["--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        var text = "";
        Dictionary<string, double> samples = [];
        async Task<bool> Scrape(Func<Dictionary<string, double>, bool> until)
        {
            try
            {
                text = await http.GetStringAsync("metrics");
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
            samples = PrometheusText.Samples(text);
            return Series.All(samples.ContainsKey) && until(samples);
        }

        await Wait.UntilAsync(() => Scrape(s => s["pool_scheduler_due_jobs"] == 3), TimeSpan.FromSeconds(20),
            "the follower to report the 3 due jobs", () => Task.FromResult(text + "\n" + run.Master.Output));
        Assert.Equal(0, samples["pool_scheduler_leader"]);
        Assert.InRange(samples["pool_scheduler_lag_seconds"], 9, 60);
        Assert.Equal(0, samples["pool_scheduler_moved_total"]);
        Assert.Equal(0, samples["pool_scheduler_fired_total"]);
        Assert.Contains("# TYPE pool_scheduler_leader gauge", text);
        Assert.Contains("# TYPE pool_scheduler_moved_total counter", text);
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));

        // The Ruby scheduler stops: Pool leads, moves the backlog and fires its entry.
        await Db.KeyDeleteAsync(SKeys.MasterLock());
        await Wait.UntilAsync(() => Scrape(s => s["pool_scheduler_leader"] == 1 && s["pool_scheduler_moved_total"] == 3 && s["pool_scheduler_fired_total"] >= 1),
            TimeSpan.FromSeconds(20), "the leader's moves and fires in /metrics", () => Task.FromResult(text + "\n" + run.Master.Output));
        Assert.Equal(0, samples["pool_scheduler_due_jobs"]);
        Assert.Equal(0, samples["pool_scheduler_lag_seconds"]);
        Assert.Equal(3, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.True(await Db.ListLengthAsync(Keys.Queue("ticks")) >= samples["pool_scheduler_fired_total"]);

        // /status has the same picture.
        var status = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("status")).RootElement.GetProperty("scheduler");
        Assert.True(status.GetProperty("leader").GetBoolean());
        Assert.EndsWith(":" + run.Master.Pid, status.GetProperty("holder").GetString());
        Assert.Equal(3, status.GetProperty("moved").GetInt64());
        Assert.True(status.GetProperty("fired").GetInt64() >= 1);

        Assert.Equal(0, run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(10)).Code);
    }
}
