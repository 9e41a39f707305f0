using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Mono.Unix.Native;
using Pool.Bench.Harness;
using Pool.Protocol.Payloads;
using Pool.Testing;

namespace Pool.Bench.Scenarios;

/// <summary>
/// Iteration jobs on one real pool-worker: the cost per item of CountTo (a cursor written to
/// Redis after every item) against AppendLines (the same appends in a plain loop), and the time
/// from TERM to the job being back on its queue with its cursor.
/// </summary>
public sealed partial class IterationScenario : IScenario
{
    private const int Items = 20_000;
    private const int MsPerItem = 20;

    public string Id => "iteration";

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken ct)
    {
        var ns = RedisServer.NewNamespace("bench");
        var iterated = await JobMsAsync(context, ns, "CountTo", [Items, Path(context, "iter"), 0]).ConfigureAwait(false);
        var plain = await JobMsAsync(context, ns, "AppendLines", [Items, Path(context, "plain")]).ConfigureAwait(false);
        var termToRequeue = await TermToRequeueMsAsync(context, RedisServer.NewNamespace("bench")).ConfigureAwait(false);
        return
        [
            new Figure("iteration_item_us", iterated * 1000 / Items, "us", $"CountTo, {Items} items, ms_per_item 0: time per item (append + checkpoint to Redis)"),
            new Figure("plain_loop_item_us", plain * 1000 / Items, "us", $"AppendLines, {Items} items: time per item of the same appends in a plain loop"),
            new Figure("iteration_overhead_item_us", (iterated - plain) * 1000 / Items, "us", "checkpoint cost per item: the difference of the two"),
            new Figure("term_to_requeue_ms", termToRequeue, "ms", $"TERM to the iteration job back on its queue with its cursor (ms_per_item {MsPerItem}; target < 100 + {MsPerItem})"),
        ];
    }

    private static string Path(BenchContext context, string name) => System.IO.Path.Combine(context.Scratch, $"{name}-{Guid.NewGuid():N}.txt");

    private static TestProcess StartWorker(BenchContext context, string ns) =>
        TestProcess.Start(Artifacts.PoolWorker, ["--jobs", Artifacts.SamplesDll], new Dictionary<string, string?>
        {
            ["REDIS_URL"] = context.Redis.Url,
            ["POOL_NAMESPACE"] = ns,
            ["QUEUES"] = "bench",
            ["POOL_MASTER_PID"] = null,
            ["POOL_JOBS"] = null,
        });

    private static Task Enqueue(BenchContext context, string ns, string cls, object?[] args) =>
        new Pool.Protocol.Producing.Producer(context.Redis.Connection, ns).EnqueueRawAsync("bench", PayloadCodec.Encode(cls, args));

    /// <summary>The job's own duration, as its worker logs it.</summary>
    private static async Task<double> JobMsAsync(BenchContext context, string ns, string cls, object?[] args)
    {
        using var worker = StartWorker(context, ns);
        worker.WaitForLine("Worker ready", TimeSpan.FromSeconds(30));
        await Enqueue(context, ns, cls, args).ConfigureAwait(false);
        var line = worker.WaitForLine($"Job done {cls}", TimeSpan.FromMinutes(5));
        worker.Signal(Signum.SIGTERM);
        worker.WaitForExit(TimeSpan.FromSeconds(30));
        return double.Parse(Duration().Match(line).Groups[1].Value, CultureInfo.InvariantCulture);
    }

    private static async Task<double> TermToRequeueMsAsync(BenchContext context, string ns)
    {
        var path = Path(context, "term");
        using var worker = StartWorker(context, ns);
        worker.WaitForLine("Worker ready", TimeSpan.FromSeconds(30));
        await Enqueue(context, ns, "CountTo", [1_000_000, path, MsPerItem]).ConfigureAwait(false);
        Wait.Until(() => File.Exists(path) && File.ReadAllLines(path).Length >= 10, TimeSpan.FromSeconds(30), "ten items done");

        var clock = Stopwatch.StartNew();
        worker.Signal(Signum.SIGTERM);
        // A 1 ms poll: Wait.Until's 10 ms step would be much of the figure, and a busy spin would
        // take a core from the worker being measured.
        while (context.Db.ListLength($"{ns}:queue:bench") == 0)
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException("the job was not requeued within 30 s of TERM");
            Thread.Sleep(1);
        }
        var ms = clock.Elapsed.TotalMilliseconds;
        worker.WaitForExit(TimeSpan.FromSeconds(30));
        return ms;
    }

    [GeneratedRegex(@"duration=([0-9.]+)ms")]
    private static partial Regex Duration();
}
