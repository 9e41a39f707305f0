using System.Text.Json;
using Pool.Master.Tests.Ops;
using Pool.Master.Tests.Supervision;
using Pool.Testing;

namespace Pool.Master.Tests.Capacity;

/// <summary>The memory budget and an autoscaled group as /status and /metrics show them, from a real master.</summary>
public sealed class CapacityHttpTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact(Timeout = 60_000)]
    public async Task Status_and_metrics_show_the_budget_and_the_groups_target()
    {
        var port = RedisServer.FreePort();
        using var run = MasterRun.Start("memory_budget: 2GB\ngrow:\n  count: 1..2\n",
            env: new Dictionary<string, string?> { ["REDIS_URL"] = redis.Server.Url, ["POOL_NAMESPACE"] = RedisServer.NewNamespace("caphttp") },
            extraArgs: ["--http", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await Task.Run(() => run.WaitForReadyWorkers(1));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(5) };

        JsonElement capacity = default;
        await Wait.UntilAsync(async () =>
            (capacity = JsonDocument.Parse(await http.GetStringAsync("status")).RootElement.GetProperty("capacity")).ValueKind == JsonValueKind.Object,
            TimeSpan.FromSeconds(15), "a capacity block in /status");
        Assert.Equal(2048L * 1024 * 1024, capacity.GetProperty("budget_bytes").GetInt64());
        Assert.Contains("memory_budget 2GB", capacity.GetProperty("budget_why").GetString());
        var group = capacity.GetProperty("groups")[0];
        Assert.Equal("1..2", group.GetProperty("range").GetString());
        Assert.Equal(1, group.GetProperty("target").GetInt32());

        var metrics = await http.GetStringAsync("metrics");
        var samples = PrometheusText.Samples(metrics);
        Assert.Equal(2048.0 * 1024 * 1024, samples["pool_master_memory_budget_bytes"]);
        Assert.Equal(1, samples["pool_master_group_target_workers{group=\"grow\"}"]);
        Assert.True(samples["pool_master_memory_used_bytes"] > 0);
        Assert.True(samples["pool_master_memory_limit_bytes"] > 0);

        // docs/operating.md is the reference for metric names, and listed none of the capacity
        // series until 2026-12-05: every series the master exports has a row in its table.
        var docs = File.ReadAllText(Path.Combine(Artifacts.RepoRoot, "docs", "operating.md"));
        var exported = metrics.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToList();
        Assert.Contains("pool_master_group_target_workers", exported);
        Assert.All(exported, name => Assert.True(docs.Contains($"| `{name}`", StringComparison.Ordinal) || docs.Contains($"| `{name}{{", StringComparison.Ordinal),
            $"{name} is exported but has no row in docs/operating.md's metrics table"));
    }
}
