using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pool.Bench.Harness;
using Pool.Protocol.Keys;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The web dashboard on big data: `pool-master web` (the published executable) over a namespace
/// with 1,000,000 failed entries, 10,000 queues, 1,000 workers, 200,000 delayed jobs (1 in 500 a
/// pending retry) and 100 recurring entries. Each page is fetched a few
/// times after a warm-up and its median answer time reported; the target is under 200 ms each.
/// </summary>
public sealed class DashboardScenario : IScenario
{
    private const int FailedEntries = 1_000_000;
    private const int Queues = 10_000;
    private const int Workers = 1_000;
    private const int Delayed = 200_000;
    private const int RetryEvery = 500;
    private const int Recurring = 100;
    private const int Samples = 7;

    public string Id => "dashboard";

    private static readonly (string Name, string Path, string What)[] Pages =
    [
        ("overview", "/", "Overview: totals, busy/idle workers, per-minute history, the 10 biggest of 10,000 queues"),
        ("stats_json", "/api/stats", "api/stats (what the overview's script polls every 5 s)"),
        ("queues", "/queues", "Queues, first page of 10,000"),
        ("queues_last_page", "/queues?page=200", "Queues, last page"),
        ("queues_filtered", "/queues?q=q09", "Queues filtered by name"),
        ("queue", "/queue?name=q00042", "One queue's first 25 jobs"),
        ("workers", "/workers", "Workers, first 100 of 1,000"),
        ("workers_filtered", "/workers?q=host-7", "Workers filtered by host"),
        ("masters", "/masters", "Masters"),
        ("failed", "/failed", "Failed, newest 25 of 1,000,000"),
        ("failed_deep_page", "/failed?page=30000", "Failed, page 30,000"),
        ("failed_filter_rare", "/failed?class=RareJob", "Failed filtered by a class 1 in 1,000 entries has (reads up to its 120 ms budget, then links on)"),
        ("failed_filter_none", "/failed?error=no-such-text", "Failed filtered by text no entry has (worst case: the whole budget)"),
        ("scheduled", "/scheduled", "Scheduled, the earliest 25 of 200,000 delayed jobs"),
        ("scheduled_late", "/scheduled?at=" + (Epoch + Delayed / 2 - 10), "Scheduled, a page 100,000 jobs in (a cursor)"),
        ("retries", "/retries", "Retries, the first 25 pending (1 delayed job in 500 is one; reads up to 5,000 entries or 100 ms)"),
        ("recurring", "/recurring", "Recurring, 100 entries from pool.yml with next and last runs"),
    ];

    /// <summary>The first delayed job's second: far in the future, so no scheduler would move them.</summary>
    private const long Epoch = 4_000_000_000;

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("dash");
        var keys = new ResqueKeys(ns);
        var seed = Stopwatch.StartNew();
        await SeedAsync(context.Db, keys).ConfigureAwait(false);
        Console.Error.WriteLine($"[bench] dashboard: seeded {FailedEntries:N0} failed, {Queues:N0} queues, {Workers:N0} workers in {seed.Elapsed.TotalSeconds:0.0} s");

        var config = Path.Combine(context.Scratch, "dashboard-pool.yml");
        await File.WriteAllTextAsync(config, "q: 1\nschedule:\n" + string.Concat(Enumerable.Range(0, Recurring).Select(i =>
            $"  entry_{i}:\n    {(i % 2 == 0 ? "every: " + (30 + i) + "s" : "cron: \"" + (i % 60) + " * * * *\"")}\n    class: Job{i}\n    queue: q{i % 10}\n    args: [{i}]\n")), ct).ConfigureAwait(false);
        var port = RedisServer.FreePort();
        using var web = TestProcess.Start(Artifacts.PoolMaster, ["web", "--http", port.ToString(CultureInfo.InvariantCulture), "--config", config],
            new Dictionary<string, string?> { ["REDIS_URL"] = context.Redis.Url, ["POOL_NAMESPACE"] = ns });
        web.WaitForLine("serving the dashboard on", TimeSpan.FromSeconds(30));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(30) };

        var figures = new List<Figure>();
        foreach (var (name, path, what) in Pages)
        {
            // Warm-up: JIT, connection, the first page's allocations.
            await GetAsync(http, path, ct).ConfigureAwait(false);
            var times = new List<double>();
            for (var i = 0; i < Samples; i++) times.Add(await GetAsync(http, path, ct).ConfigureAwait(false));
            times.Sort();
            figures.Add(new Figure($"dashboard_{name}_ms", times[times.Count / 2], "ms", what + $" (median of {Samples})"));
        }
        web.Signal(Mono.Unix.Native.Signum.SIGTERM);
        web.WaitForExit(TimeSpan.FromSeconds(10));
        await context.Db.KeyDeleteAsync([keys.Failed, keys.Queues, keys.Workers, keys.PoolWorkers, new SchedulerKeys(keys).Schedule]).ConfigureAwait(false);
        return figures;
    }

    private static async Task<double> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        using var response = await http.GetAsync(path, ct).ConfigureAwait(false);
        await response.Content.ReadAsByteArrayAsync(ct).ConfigureAwait(false);
        clock.Stop();
        if (!response.IsSuccessStatusCode) Console.Error.WriteLine($"[bench] dashboard: {path} answered {(int)response.StatusCode}");
        return clock.Elapsed.TotalMilliseconds;
    }

    private static async Task SeedAsync(IDatabase db, ResqueKeys keys)
    {
        string[] classes = ["SendMail", "Thumbnail", "Report", "Sync", "Charge"];
        const int batch = 10_000;
        for (var start = 0; start < FailedEntries; start += batch)
        {
            var values = new RedisValue[batch];
            for (var i = 0; i < batch; i++)
            {
                var n = start + i;
                var cls = n % 1000 == 17 ? "RareJob" : classes[n % classes.Length];
                values[i] = JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["failed_at"] = "2026/12/01 12:00:00 UTC",
                    ["payload"] = new Dictionary<string, object> { ["class"] = cls, ["args"] = new object[] { n, "user" + n } },
                    ["exception"] = "RuntimeError",
                    ["error"] = "timeout talking to upstream " + (n % 97),
                    ["backtrace"] = new[] { "app/jobs/job.rb:10", "lib/worker.rb:20" },
                    ["worker"] = "host-1:100:q" + (n % Queues).ToString("00000", CultureInfo.InvariantCulture),
                    ["queue"] = "q" + (n % Queues).ToString("00000", CultureInfo.InvariantCulture),
                });
            }
            await db.ListRightPushAsync(keys.Failed, values).ConfigureAwait(false);
        }

        var names = Enumerable.Range(0, Queues).Select(i => "q" + i.ToString("00000", CultureInfo.InvariantCulture)).ToArray();
        await db.SetAddAsync(keys.Queues, names.Select(n => (RedisValue)n).ToArray()).ConfigureAwait(false);
        var pushes = names.Select((n, i) => db.ListRightPushAsync(keys.Queue(n),
            Enumerable.Range(0, 1 + i % 5).Select(j => (RedisValue)$$"""{"class":"SendMail","args":[{{j}}]}""").ToArray())).ToList();
        await Task.WhenAll(pushes).ConfigureAwait(false);

        var workers = Enumerable.Range(0, Workers).Select(i => $"host-{i / 50}:{10_000 + i}:q{(i % Queues):00000}").ToArray();
        await db.SetAddAsync(keys.Workers, workers.Select(w => (RedisValue)w).ToArray()).ConfigureAwait(false);
        await db.SetAddAsync(keys.PoolWorkers, workers.Select(w => (RedisValue)w).ToArray()).ConfigureAwait(false);
        var jobs = workers.Where((_, i) => i % 2 == 0).Select(w => db.StringSetAsync(keys.Worker(w),
            """{"queue":"q00001","run_at":"2026-12-01T12:00:00Z","payload":{"class":"SendMail","args":[1]}}""")).ToList();
        await Task.WhenAll(jobs).ConfigureAwait(false);

        // Delayed jobs in resque-scheduler's format, one per second; every 500th has resque-retry's counter (a pending retry).
        var scheduler = new SchedulerKeys(keys);
        for (var start = 0; start < Delayed; start += batch)
        {
            var writes = new List<Task>(batch * 3);
            for (var i = start; i < start + batch; i++)
            {
                var at = Epoch + i;
                var job = DelayedJobCodec.Create(at, "q" + (i % Queues).ToString("00000", CultureInfo.InvariantCulture), i % RetryEvery == 0 ? "FlakyJob" : "Reminder", [i]);
                writes.Add(db.ListRightPushAsync(scheduler.Bucket(at), job.Encoded));
                writes.Add(db.SetAddAsync(scheduler.Timestamps(job.Encoded), SchedulerKeys.BucketName(at)));
                writes.Add(db.SortedSetAddAsync(scheduler.Schedule, at, at));
                if (i % RetryEvery == 0) writes.Add(db.StringSetAsync(scheduler.Retry(RetryKeys.Counter(job.Class, job.ArgsJson)), "1"));
            }
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
    }
}
