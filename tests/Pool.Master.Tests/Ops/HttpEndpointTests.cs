using System.Net;
using System.Text.Json;
using Mono.Unix.Native;
using Pool.Master.Tests.Supervision;
using Pool.Protocol.Keys;
using Pool.Protocol.Recovery;
using Pool.Testing;

namespace Pool.Master.Tests.Ops;

/// <summary>`pool-master run --http`: /status and /metrics over real HTTP from a real master with real workers.</summary>
[Collection(OpsRedis.Name)]
public sealed class HttpEndpointTests(RedisFixture redis)
{
    private readonly string _ns = RedisServer.NewNamespace("http");
    private ResqueKeys Keys => new(_ns);

    [Fact]
    public async Task Status_and_metrics_describe_this_masters_workers_their_jobs_and_the_queues()
    {
        var port = RedisServer.FreePort();
        using var run = MasterRun.Start("foo: 2\n",
            env: new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = _ns },
            extraArgs: ["--http", port.ToString()]);
        var pids = run.WaitForReadyWorkers(2);
        var busy = WorkerIdentity.For(pids[0], "foo");
        var db = redis.Server.Db;
        await db.StringSetAsync(Keys.Worker(busy), """{"queue":"foo","run_at":"RUN_AT","payload":{"class":"Sleep","args":[5]}}"""
            .Replace("RUN_AT", Pool.Protocol.Payloads.ResqueTime.Iso(DateTimeOffset.UtcNow)));
        await db.StringSetAsync(Keys.StatProcessed, 7);
        await db.SetAddAsync(Keys.Queues, "foo");
        await db.ListRightPushAsync(Keys.Queue("foo"), "{}");

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };
        JsonElement workers = default;
        await Wait.UntilAsync(async () =>
        {
            var status = JsonDocument.Parse(await http.GetStringAsync("status")).RootElement;
            workers = status.GetProperty("workers");
            return workers.GetArrayLength() == 2
                && workers.EnumerateArray().All(w => w.GetProperty("state").GetString() == "running")
                && status.GetProperty("master").GetProperty("redis_answered").GetBoolean();
        }, TimeSpan.FromSeconds(10), "/status to list 2 running workers");

        var first = workers.EnumerateArray().Single(w => w.GetProperty("pid").GetInt32() == pids[0]);
        Assert.Equal("foo", first.GetProperty("group").GetString());
        Assert.Equal("Sleep", first.GetProperty("job").GetProperty("class").GetString());
        Assert.True(first.GetProperty("rss_bytes").GetInt64() > 0);
        Assert.Equal(0, first.GetProperty("restarts").GetInt32());
        Assert.False(first.GetProperty("backoff").GetProperty("crash_looping").GetBoolean());
        Assert.Equal(JsonValueKind.Null, workers.EnumerateArray().Single(w => w.GetProperty("pid").GetInt32() == pids[1]).GetProperty("job").ValueKind);

        var metrics = await http.GetAsync("metrics");
        Assert.StartsWith("text/plain", metrics.Content.Headers.ContentType?.ToString());
        var text = await metrics.Content.ReadAsStringAsync();
        // The names README lists, each once, as Prometheus names: OpenTelemetry's exporter must translate Pool's meter to exactly these.
        Assert.Equal(
            ["pool_failed_jobs", "pool_jobs_failed_total", "pool_jobs_poisoned_total", "pool_jobs_processed_total", "pool_jobs_recovered_total",
             "pool_jobs_requeued_total", "pool_master_jobs_dirty_exit_total", "pool_master_jobs_poisoned_total", "pool_master_jobs_recovered_total",
             "pool_master_rss_bytes", "pool_master_slots_crash_looping", "pool_master_worker_restarts_total", "pool_master_worker_rss_bytes",
             "pool_master_workers", "pool_queue_length", "pool_redis_up"],
            text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2])
                // The memory and autoscaling series come with the first capacity sample; CapacityHttpTests checks them.
                // SchedulerMetricsTests checks the scheduler's.
                .Where(n => !n.StartsWith("pool_master_memory_", StringComparison.Ordinal) && !n.StartsWith("pool_master_group_", StringComparison.Ordinal)
                    && !n.StartsWith("pool_master_autoscale_", StringComparison.Ordinal) && !n.StartsWith("pool_scheduler_", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal));
        Assert.Contains("# TYPE pool_jobs_processed_total counter", text);
        var samples = PrometheusText.Samples(text);
        Assert.Equal(7, samples["pool_jobs_processed_total"]);
        Assert.Equal(1, samples["pool_queue_length{queue=\"foo\"}"]);
        Assert.Equal(2, samples["pool_master_workers{group=\"foo\",state=\"running\"}"]);
        Assert.Equal(0, samples["pool_master_worker_restarts_total"]);
        Assert.Equal(0, samples["pool_jobs_recovered_total"]);
        Assert.True(samples["pool_master_worker_rss_bytes{group=\"foo\",slot=\"1\"}"] > 0);
        Assert.Equal(1, samples["pool_redis_up"]);

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("nope")).StatusCode);
        Assert.Equal(0, run.StopAndTime(Signum.SIGTERM, TimeSpan.FromSeconds(10)).Code);
    }

    [Fact]
    public void A_port_that_is_taken_stops_the_master_at_start_with_a_clear_error()
    {
        using var taken = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;

        using var run = MasterRun.Start("foo: 1\n", extraArgs: ["--http", $"127.0.0.1:{port}"]);

        Assert.Equal(1, run.Master.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Contains("cannot serve HTTP on", run.Master.Output);
        Assert.DoesNotContain("serving the dashboard on", run.Master.Output); // announced only once bound
        Assert.Empty(run.Workers());
    }
}
