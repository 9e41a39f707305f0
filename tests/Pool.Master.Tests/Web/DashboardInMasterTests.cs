using System.Net;
using Mono.Unix.Native;
using Pool.Master.Tests.Ops;
using Pool.Master.Tests.Supervision;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Testing;

namespace Pool.Master.Tests.Web;

/// <summary>The published executables: the dashboard inside `pool-master run --http`, and `pool-master web` on its own.</summary>
[Collection(OpsRedis.Name)]
public sealed class DashboardInMasterTests(RedisFixture redis)
{
    private readonly string _ns = RedisServer.NewNamespace("webrun");

    [Fact]
    public async Task A_running_master_publishes_itself_serves_the_pages_beside_status_and_takes_a_signal_from_its_own_masters_page()
    {
        var port = RedisServer.FreePort();
        using var run = MasterRun.Start("foo: 1\nschedule:\n  nightly_digest:\n    every: 1d\n    queue: ops\n",
            env: new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _ns },
            extraArgs: ["--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        run.WaitForReadyWorkers(1);
        var registry = new MasterRegistry(redis.Server.Db, new ResqueKeys(_ns));
        await Wait.UntilAsync(async () => (await registry.ReadAsync()).Any(m => m.Pid == run.Master.Pid && m.Children.Count == 1 && m.Children[0].Pid is not null),
            TimeSpan.FromSeconds(15), "the master to publish its snapshot with its worker");

        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
        { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("status")).StatusCode);
        // Under a loaded suite the shared Redis can miss the page's 900 ms budget (the page then shows the banner): ask again.
        var masters = "";
        await Wait.UntilAsync(async () =>
        {
            using var response = await http.GetAsync("masters");
            masters = await response.Content.ReadAsStringAsync();
            return response.IsSuccessStatusCode;
        }, TimeSpan.FromSeconds(15), "the masters page to answer without the Redis banner");
        Assert.Contains($"pid {run.Master.Pid}", masters, StringComparison.Ordinal);
        Assert.Contains(">TTIN</button>", masters, StringComparison.Ordinal);
        // TTIN/TTOU move an autoscaled group's range, not its size alone; the help said "a worker per group".
        Assert.Contains("an autoscaled group's range moves by one", masters, StringComparison.Ordinal);
        // The Recurring page shows this master's own schedule.
        var recurring = await DashboardHost.PageAsync(http, "recurring");
        Assert.Contains("data-schedule=\"nightly_digest\"", recurring, StringComparison.Ordinal);
        Assert.Contains("this master", recurring, StringComparison.Ordinal);

        var token = await DashboardHost.TokenAsync(http, "masters");
        var sent = await http.PostAsync("masters/signal", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["signal"] = "TTIN", ["back"] = "/masters" }));
        Assert.Equal(HttpStatusCode.SeeOther, sent.StatusCode);
        run.WaitForReadyWorkers(2, TimeSpan.FromSeconds(15));
        var refused = await http.PostAsync("masters/signal", new FormUrlEncodedContent(new Dictionary<string, string> { ["_af"] = token, ["signal"] = "KILL" }));
        Assert.Contains("not%20one%20of", refused.Headers.Location!.OriginalString, StringComparison.Ordinal);

        Assert.Equal(0, run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(15)).Code);
        Assert.DoesNotContain(await registry.ReadAsync(), m => m.Pid == run.Master.Pid);
    }

    [Fact]
    public async Task Pool_master_web_refuses_a_non_loopback_address_without_auth_and_serves_loopback()
    {
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _ns };
        using (var refused = TestProcess.Start(Artifacts.PoolMaster, ["web", "--http", "0.0.0.0:" + RedisServer.FreePort()], env))
        {
            Assert.Equal(1, refused.WaitForExit(TimeSpan.FromSeconds(20)));
            Assert.Contains("pool-master web: the dashboard has no authentication", refused.Output, StringComparison.Ordinal);
        }

        using (var missing = TestProcess.Start(Artifacts.PoolMaster, ["web", "--config", "/nonexistent/pool.yml"], env))
        {
            Assert.Equal(1, missing.WaitForExit(TimeSpan.FromSeconds(20)));
            Assert.Contains("pool-master web:", missing.Output, StringComparison.Ordinal);
            Assert.Contains("/nonexistent/pool.yml", missing.Output, StringComparison.Ordinal);
        }

        var config = Path.Combine(Directory.CreateTempSubdirectory("pool-web").FullName, "pool.yml");
        await File.WriteAllTextAsync(config, "foo: 1\nschedule:\n  weekly_report:\n    cron: \"0 6 * * 1\"\n    class: WeeklyReport\n    queue: low\n");
        var port = RedisServer.FreePort();
        using var web = TestProcess.Start(Artifacts.PoolMaster, ["web", "--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--read-only", "--config", config], env);
        web.WaitForLine("serving the dashboard on", TimeSpan.FromSeconds(20));
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var page = await http.GetStringAsync($"http://127.0.0.1:{port}/queues");
        Assert.Contains("read-only", page, StringComparison.Ordinal);
        var recurring = await http.GetStringAsync($"http://127.0.0.1:{port}/recurring");
        Assert.Contains("data-schedule=\"weekly_report\"", recurring, StringComparison.Ordinal);
        Assert.Contains("cron 0 6 * * 1", recurring, StringComparison.Ordinal);
        web.Signal(Signum.SIGTERM);
        Assert.Equal(0, web.WaitForExit(TimeSpan.FromSeconds(10)));
    }
}
