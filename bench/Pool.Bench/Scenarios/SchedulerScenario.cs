using System.Globalization;
using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Protocol.Keys;
using Pool.Protocol.Scheduling;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Bench.Scenarios;

/// <summary>
/// The scheduler inside pool-master: how late a delayed job reaches its queue after its second
/// begins (p50, p99), how many delayed jobs per second it moves out of one due second, and what
/// an idle scheduler costs Redis (commands per second, master with the scheduler on minus off).
/// </summary>
public sealed class SchedulerScenario : IScenario
{
    private const int Samples = 100;
    private const int Bulk = 100_000;
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(10);

    public string Id => "scheduler";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var figures = new List<Figure>();
        var (p50, p99) = await DelayAccuracyAsync(context, ct).ConfigureAwait(false);
        figures.Add(new("scheduler_delay_p50_ms", p50, "ms", "from a delayed job's due second to its arrival in the queue, median"));
        figures.Add(new("scheduler_delay_p99_ms", p99, "ms", "from a delayed job's due second to its arrival in the queue, p99"));
        figures.Add(new("scheduler_moves_per_s", await MovesPerSecondAsync(context, ct).ConfigureAwait(false), "jobs/s", $"{Bulk:N0} delayed jobs due in one second moved to their queue, per second"));
        var on = await IdleCommandsAsync(context, "on", ct).ConfigureAwait(false);
        var off = await IdleCommandsAsync(context, "off", ct).ConfigureAwait(false);
        figures.Add(new("scheduler_idle_redis_cmds_s", on - off, "cmd/s", "Redis commands per second an idle scheduler adds to an idle master (on minus off)"));
        return figures;
    }

    /// <summary>Jobs due at each of the next 10 seconds, popped by a blocking client the moment they arrive.</summary>
    private static async Task<(double, double)> DelayAccuracyAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        using var master = context.StartMaster("q: 0\n", ns);
        var keys = new SchedulerKeys(ns);
        await Wait.UntilAsync(async () => await context.Db.KeyExistsAsync(keys.MasterLock()), TimeSpan.FromSeconds(20), "the scheduler to lead").ConfigureAwait(false);
        var delayed = new DelayedQueue(context.Db, keys);
        var start = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 2;
        for (var i = 0; i < Samples; i++) await delayed.EnqueueAtAsync(DateTimeOffset.FromUnixTimeSeconds(start + i % 10), "q", "Noop", start + i % 10, i).ConfigureAwait(false);

        await using var blocking = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{context.Redis.Port},syncTimeout=20000").ConfigureAwait(false);
        var queue = new ResqueKeys(ns).Queue("q");
        var lateness = new List<double>();
        while (lateness.Count < Samples && !ct.IsCancellationRequested)
        {
            var popped = await blocking.GetDatabase().ExecuteAsync("BLPOP", queue, "15").ConfigureAwait(false);
            var arrived = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            if (popped.IsNull) break;
            var payload = (string)((RedisResult[])popped!)[1]!;
            var due = long.Parse(payload.Split("\"args\":[")[1].Split(',')[0], CultureInfo.InvariantCulture);
            lateness.Add(arrived - due * 1000.0);
        }
        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        lateness.Sort();
        return (lateness[lateness.Count / 2], lateness[Math.Min(lateness.Count - 1, (int)Math.Ceiling(lateness.Count * 0.99) - 1)]);
    }

    private static async Task<double> MovesPerSecondAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var keys = new SchedulerKeys(ns);
        var delayed = new DelayedQueue(context.Db, keys);
        var due = DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 30;
        for (var chunk = 0; chunk < Bulk; chunk += 5000)
            await Task.WhenAll(Enumerable.Range(chunk, 5000).Select(i => delayed.EnqueueAtAsync(DateTimeOffset.FromUnixTimeSeconds(due), "bulk", "Noop", i))).ConfigureAwait(false);
        // Make the second due now, so the leader starts on it as soon as it leads.
        await context.Db.SortedSetAddAsync(keys.Schedule, due.ToString(CultureInfo.InvariantCulture), 0).ConfigureAwait(false);
        var queue = new ResqueKeys(ns).Queue("bulk");
        using var master = context.StartMaster("q: 0\n", ns);
        await Wait.UntilAsync(async () => await context.Db.ListLengthAsync(queue) > 0, TimeSpan.FromSeconds(30), "the move to start").ConfigureAwait(false);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await context.Db.ListLengthAsync(queue).ConfigureAwait(false);
        await Wait.UntilAsync(async () => await context.Db.ListLengthAsync(queue) == Bulk, TimeSpan.FromSeconds(120), "every job moved").ConfigureAwait(false);
        var rate = (Bulk - first) / clock.Elapsed.TotalSeconds;
        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        await context.Db.KeyDeleteAsync(queue).ConfigureAwait(false);
        return rate;
    }

    private static async Task<double> IdleCommandsAsync(BenchContext context, string scheduler, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var probe = new PoolProbe(context.Db, ns);
        using var master = context.StartMaster("q: 0\n", ns, new Dictionary<string, string?> { ["POOL_SCHEDULER"] = scheduler });
        await Task.Delay(TimeSpan.FromSeconds(5), ct).ConfigureAwait(false);
        var before = probe.TotalCommands();
        await Task.Delay(Window, ct).ConfigureAwait(false);
        var after = probe.TotalCommands();
        master.Signal(Signum.SIGTERM);
        master.WaitForExit(TimeSpan.FromSeconds(30));
        return (after - before - 1) / Window.TotalSeconds;
    }
}
