using System.Globalization;
using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>Payloads from producers that are not ours: a bad field fails its job, never the worker.</summary>
[Collection(RedisCollection.Name)]
public sealed class HostilePayloadTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;

    [Theory(Timeout = 30_000)]
    [InlineData("null")]
    [InlineData("\"x\"")]
    [InlineData("-1")]
    [InlineData("1e400")]
    public async Task A_bad_pool_attempts_fails_that_job_and_the_worker_runs_the_next(string attempts)
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        var file = ResqueJson.Quote(_s.File);
        await producer.EnqueueManyRawAsync("q", [$$"""{"class":"Record","args":[{{file}},"bad"],"pool_attempts":{{attempts}}}"""]);
        await producer.EnqueueAsync("q", "Record", _s.File, "good");

        await Wait.UntilAsync(() => _s.Lines().Contains("good"), because: "the job after the bad one to run");
        var failure = (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!;
        Assert.Contains("Pool::InvalidPayload", failure);
        Assert.Contains("pool_attempts", failure);
        Assert.DoesNotContain("bad", _s.Lines());
        Assert.False(worker.Process.HasExited);
    }

    /// <summary>
    /// Class names and error messages are anyone's text: a newline in one forged a whole log line
    /// (here one that claims to be the master's error), escape codes reached the terminal, and a
    /// huge message made a line as long. Each event stays one line, escaped and cut.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task Job_data_in_a_log_line_cannot_forge_lines_or_flood_the_log()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        const string forged = "2026-12-02T00:00:00.000Z ERR [master 1] FORGED";
        // JSON escapes: the decoded class and message hold a real newline and ESC.
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), $$"""{"class":"Evil\n{{forged}}\u001b[31m","args":[]}""");
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), $$"""{"class":"Fail","args":["boom\n{{forged}}"]}""");
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), $$"""{"class":"Fail","args":["{{new string('x', 100_000)}}"]}""");
        await new Producer(redis.Server.Connection, _s.Namespace).EnqueueAsync("q", "Record", _s.File, "good");

        await Wait.UntilAsync(() => _s.Lines().Contains("good"), because: "the job after the hostile ones to run");
        var lines = worker.Process.Output.Split('\n');
        Assert.DoesNotContain(lines, l => l.StartsWith(forged, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(@"Evil\n" + forged + @"\u001b[31m", StringComparison.Ordinal));
        Assert.DoesNotContain('\u001b', worker.Process.Output);
        Assert.All(lines, l => Assert.True(l.Length < 3000, $"a line of {l.Length} characters"));
        Assert.Contains(lines, l => l.Contains("(100,000 characters)", StringComparison.Ordinal));
        Assert.False(worker.Process.HasExited);
    }

    /// <summary>
    /// A small fuzz: generated payloads with odd values in every field Pool reads, then one good
    /// job. The worker must settle every one (done or failed) and still be running.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_worker_settles_every_generated_payload_and_never_exits()
    {
        var payloads = PayloadFuzz.Generate(_s.File, seed: 10).ToList();
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        await producer.EnqueueManyRawAsync("q", payloads);
        await producer.EnqueueAsync("q", "Record", _s.File, "last");

        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == payloads.Count + 1,
            TimeSpan.FromSeconds(45), $"all {payloads.Count + 1} payloads settled");
        Assert.Contains("last", _s.Lines());
        Assert.False(worker.Process.HasExited, worker.Process.Output);
        Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Queue("q")));
    }

    public void Dispose() => _s.Dispose();
}

/// <summary>Generated payloads: each field Pool reads, set to values at and past its range, of the wrong type, or with odd text.</summary>
internal static class PayloadFuzz
{
    private static readonly string[] Values =
    [
        "null", "\"x\"", "-1", "0", "1", "2147483647", "2147483648", "1e400", "1.5", "[]", "{}", "true",
        "\"\\u0000\"", "\"\\ud800\"", "\"" + new string('a', 5000) + "\"",
    ];

    public static IEnumerable<string> Generate(string file, int seed)
    {
        var random = new Random(seed);
        var path = ResqueJson.Quote(file);
        foreach (var v in Values)
        {
            yield return $$"""{"class":"Record","args":[{{path}},"a"],"pool_attempts":{{v}}}""";
            yield return $$$"""{"class":"CountTo","args":[3,{{{path}}},0],"pool_iteration":{"cursor":{{{v}}},"interruptions":{{{v}}},"run_time_ms":{{{v}}}}}""";
            yield return $$"""{"class":{{v}},"args":[]}""";
            yield return $$"""{"class":"Record","args":{{v}}}""";
            yield return $$"""{"class":"Record","args":[{{v}},{{v}}]}""";
        }
        // Random bytes and truncations of a good payload.
        const string good = """{"class":"Noop","args":[],"pool_attempts":1}""";
        for (var i = 0; i < 10; i++)
        {
            yield return good[..random.Next(good.Length)];
            var chars = good.ToCharArray();
            chars[random.Next(chars.Length)] = (char)random.Next(1, 128);
            yield return new string(chars);
        }
        yield return new string('[', 100) + new string(']', 100);
        yield return "{" + string.Join(',', Enumerable.Range(0, 200).Select(i => "\"k" + i.ToString(CultureInfo.InvariantCulture) + "\":" + i.ToString(CultureInfo.InvariantCulture))) + ",\"class\":\"Noop\"}";
    }
}
