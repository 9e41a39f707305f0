using System.Diagnostics;
using System.Globalization;
using Pool.Bench.Harness;
using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The dashboard overview's queue sizes over 10,000 queues, before and after, in the same run:
/// before, every overview and every api/stats poll read one LLEN per queue (PoolStatusReader's
/// totals); after, queue_sizes.lua sums them inside Redis a SSCAN slice of 1,000 at a time, and the result is
/// shared by all requests for 5 s. Figures: the read alone both ways, the Redis commands one
/// request costs both ways (from INFO commandstats), and the pages as `pool-master web` serves them.
/// </summary>
public sealed class OverviewScenario : IScenario
{
    private const int Queues = 10_000;
    private const int Samples = 9;

    public string Id => "overview";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("overview");
        var keys = new ResqueKeys(ns);
        var db = context.Db;
        await SeedAsync(db, keys).ConfigureAwait(false);
        var server = context.Redis;
        var figures = new List<Figure>();

        var before = await MedianAsync(() => new PoolStatusReader(db, keys).ReadTotalsAsync()).ConfigureAwait(false);
        var beforeCommands = await SentPerCallAsync(db, () => new PoolStatusReader(db, keys).ReadTotalsAsync()).ConfigureAwait(false);
        var after = await MedianAsync(() => new QueueSizes(db, keys).SummarizeAsync(10, DateTimeOffset.UtcNow)).ConfigureAwait(false);
        var beforeRedis = await CommandsPerCallAsync(server, () => new PoolStatusReader(db, keys).ReadTotalsAsync()).ConfigureAwait(false);
        var afterCommands = await SentPerCallAsync(db, () => new QueueSizes(db, keys).SummarizeAsync(10, DateTimeOffset.UtcNow)).ConfigureAwait(false);
        figures.Add(new("overview_queue_read_before_ms", before, "ms", $"the overview's queue read before: one LLEN per queue, {Queues:N0} queues (median of {Samples})"));
        figures.Add(new("overview_queue_read_after_ms", after, "ms", $"the same read now, uncached: queue_sizes.lua, one SSCAN slice of 1,000 per call (median of {Samples})"));
        figures.Add(new("overview_queue_read_speedup", before / after, "x", "before / after, same run"));
        figures.Add(new("overview_cmds_sent_before", beforeCommands, "cmd", "commands the dashboard sent Redis per overview read before (an LLEN per queue and the counters)"));
        figures.Add(new("overview_redis_cmds_per_poll_before", beforeRedis, "cmd", "commands Redis ran per overview or api/stats request before, for the queue sizes alone (INFO commandstats)"));
        figures.Add(new("overview_cmds_sent_after_uncached", afterCommands, "cmd", "commands sent per queue-size read now (one EVALSHA per 1,000 queues; the SSCAN and LLENs run inside Redis), at most once every 5 s"));

        var port = RedisServer.FreePort();
        using var web = TestProcess.Start(Artifacts.PoolMaster, ["web", "--http", port.ToString(CultureInfo.InvariantCulture)],
            new Dictionary<string, string?> { ["REDIS_URL"] = server.Url, ["POOL_NAMESPACE"] = ns });
        web.WaitForLine("serving the dashboard on", TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };
        foreach (var (name, path) in new[] { ("overview_page_ms", "/"), ("overview_stats_json_ms", "/api/stats") })
        {
            await GetAsync(http, path, ct).ConfigureAwait(false);
            figures.Add(new(name, await MedianAsync(() => GetAsync(http, path, ct)).ConfigureAwait(false), "ms",
                $"GET {path} from pool-master web over {Queues:N0} queues (median of {Samples}; queue sizes shared, read at most every 5 s)"));
        }
        // Ten polls in a row, as ten open tabs would make within one refresh: what they cost Redis together, per request.
        figures.Add(new("overview_redis_cmds_per_poll", await CommandsPerCallAsync(server, () => GetAsync(http, "/api/stats", ct), calls: 10).ConfigureAwait(false), "cmd",
            "commands Redis ran per api/stats request now (INFO commandstats, script-internal ones included), ten requests within the 5 s the queue sizes are shared"));
        web.Signal(Mono.Unix.Native.Signum.SIGTERM);
        web.WaitForExit(TimeSpan.FromSeconds(10));
        await db.KeyDeleteAsync(keys.Queues).ConfigureAwait(false);
        return figures;
    }

    private static async Task<double> MedianAsync<T>(Func<Task<T>> read)
    {
        await read().ConfigureAwait(false);
        var times = new List<double>();
        for (var i = 0; i < Samples; i++)
        {
            var clock = Stopwatch.StartNew();
            await read().ConfigureAwait(false);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        return times[times.Count / 2];
    }

    /// <summary>Commands this client sent (StackExchange.Redis's operation count) during one call.</summary>
    private static async Task<double> SentPerCallAsync<T>(IDatabase db, Func<Task<T>> call)
    {
        var start = db.Multiplexer.GetCounters().Interactive.OperationCount;
        await call().ConfigureAwait(false);
        return db.Multiplexer.GetCounters().Interactive.OperationCount - start;
    }

    /// <summary>Commands Redis counted (INFO commandstats, all of them) during <paramref name="calls"/> calls, per call; the INFO calls themselves subtracted.</summary>
    private static async Task<double> CommandsPerCallAsync<T>(RedisServer server, Func<Task<T>> call, int calls = 1)
    {
        var start = await TotalCommandsAsync(server.Db).ConfigureAwait(false);
        for (var i = 0; i < calls; i++) await call().ConfigureAwait(false);
        var end = await TotalCommandsAsync(server.Db).ConfigureAwait(false);
        return (end - start - 1) / (double)calls;
    }

    private static async Task<long> TotalCommandsAsync(IDatabase db)
    {
        var info = (string)(await db.ExecuteAsync("INFO", "commandstats").ConfigureAwait(false))!;
        return info.Split('\n').Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal))
            .Sum(l => long.Parse(l.Split("calls=")[1].Split(',')[0], CultureInfo.InvariantCulture));
    }

    private static async Task<double> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, ct).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode) Console.Error.WriteLine($"[bench] overview: {path} answered {(int)response.StatusCode}");
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task SeedAsync(IDatabase db, ResqueKeys keys)
    {
        var names = Enumerable.Range(0, Queues).Select(i => "q" + i.ToString("00000", CultureInfo.InvariantCulture)).ToArray();
        await db.SetAddAsync(keys.Queues, names.Select(n => (RedisValue)n).ToArray()).ConfigureAwait(false);
        await Task.WhenAll(names.Select((n, i) => db.ListRightPushAsync(keys.Queue(n),
            Enumerable.Range(0, 1 + i % 5).Select(j => (RedisValue)$$"""{"class":"SendMail","args":[{{j}}]}""").ToArray()))).ConfigureAwait(false);
    }
}
