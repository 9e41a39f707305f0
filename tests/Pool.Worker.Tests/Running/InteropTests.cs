using System.Text.RegularExpressions;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>Jobs pushed the way Resque and node-resque push them, and records in Resque's shape.</summary>
[Collection(RedisCollection.Name)]
public sealed partial class InteropTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;

    [Fact(Timeout = 30_000)]
    public async Task Runs_jobs_pushed_raw_by_resque_and_node_resque()
    {
        // Ruby: Resque.enqueue_to pushes {"class","args"}; node-resque adds "queue".
        await Db.SetAddAsync(_s.Keys.Queues, "ruby");
        await Db.ListRightPushAsync(_s.Keys.Queue("ruby"), $$"""{"class":"Record","args":["{{_s.File}}","from-ruby"]}""");
        await Db.SetAddAsync(_s.Keys.Queues, "node");
        await Db.ListRightPushAsync(_s.Keys.Queue("node"), $$"""{"class":"Record","queue":"node","args":["{{_s.File}}","from-node"]}""");

        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "*");
        await Wait.UntilAsync(() => _s.Lines().Length == 2, because: "both foreign jobs ran (found by the fallback poll)");
        Assert.Equal(["from-node", "from-ruby"], _s.Lines());
    }

    [Fact(Timeout = 30_000)]
    public async Task Registry_and_failure_records_have_resques_exact_shape()
    {
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), """{"class":"Fail","args":["no/way"]}""");
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), """{"class":"Sleep","args":[30]}""");
        // Retries off: this test is about the failure record Resque writes when a job fails for good.
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_RETRIES"] = "0" });
        worker.WaitForLine("Job started Sleep");

        var running = (string?)await Db.StringGetAsync(_s.Keys.Worker(worker.WorkerId));
        Assert.Matches(RunningJob(), running);
        Assert.Matches(Iso(), (string?)await Db.HashGetAsync(_s.Keys.Heartbeats, worker.WorkerId));
        // Ruby's Time#to_s, as Resque's worker_started writes it.
        Assert.Matches(RubyTime(), (string?)await Db.StringGetAsync(_s.Keys.WorkerStarted(worker.WorkerId)));
        Assert.True(await Db.SetContainsAsync(_s.Keys.Workers, worker.WorkerId));
        Assert.Matches($"^{Regex.Escape(System.Net.Dns.GetHostName())}:{worker.Pid}:q$", worker.WorkerId);

        var failure = (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!;
        Assert.Matches(Failure(), failure);
        Assert.Contains($"\"worker\":\"{worker.WorkerId}\",\"queue\":\"q\"}}", failure);
        Assert.Equal(1, (long)await Db.StringGetAsync(_s.Keys.StatFailedBy(worker.WorkerId)));
        Assert.Equal(1, (long)await Db.StringGetAsync(_s.Keys.StatProcessedBy(worker.WorkerId)));
    }

    [GeneratedRegex("""^\{"queue":"q","run_at":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ","payload":\{"class":"Sleep","args":\[30\]\}\}$""")]
    private static partial Regex RunningJob();

    [GeneratedRegex("""^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$""")]
    private static partial Regex Iso();

    [GeneratedRegex("""^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000$""")]
    private static partial Regex RubyTime();

    [GeneratedRegex("""^\{"failed_at":"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d UTC","payload":\{"class":"Fail","args":\["no/way"\]\},"exception":"System.InvalidOperationException","error":"no/way","backtrace":\[".+"\],"worker":"[^"]+","queue":"q"\}$""")]
    private static partial Regex Failure();

    public void Dispose() => _s.Dispose();
}
