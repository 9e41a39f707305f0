using System.Security.Cryptography;
using System.Text;
using Pool.Protocol.Scheduling;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Retries;

/// <summary>Automatic retries by a real pool-worker against a real Redis, in resque-retry's format.</summary>
[Collection(RedisCollection.Name)]
public sealed class RetryTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;
    private SchedulerKeys SKeys => new(_s.Namespace);

    private WorkerProcess Start(string retries, string delays) =>
        WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q", new Dictionary<string, string?> { ["POOL_RETRIES"] = retries, ["POOL_RETRY_DELAYS"] = delays });

    private string Counter(string cls, string joinedArgs) =>
        $"{_s.Namespace}:resque-retry:{cls}:{Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(joinedArgs)))}";

    [Fact(Timeout = 30_000)]
    public async Task A_failing_job_runs_retries_plus_one_times_then_reaches_the_failed_list_once_with_its_attempt_count()
    {
        using var worker = Start("2", "0");
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), """{"class":"Fail","args":["boom"]}""");

        await Wait.UntilAsync(async () => await Db.ListLengthAsync(_s.Keys.Failed) == 1, because: "the job to fail for good");
        var failure = (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!;
        Assert.EndsWith(",\"retry_attempts\":3}", failure);
        Assert.Contains("\"payload\":{\"class\":\"Fail\",\"args\":[\"boom\"]}", failure);
        Assert.Equal(3, worker.Process.CountLines("Job started Fail"));
        // The log says which failures were retried, and when the retry comes.
        Assert.Equal(2, worker.Process.CountLines("retry scheduled in 0s"));
        Assert.Contains("outcome=failed System.InvalidOperationException: boom; retry scheduled in 0s (attempt 1 of 3 failed)", worker.Process.Output);
        Assert.Contains("(attempt 2 of 3 failed)", worker.Process.Output);
        Assert.False(await Db.KeyExistsAsync(Counter("Fail", "boom")));
        Assert.Equal(3, (long)await Db.StringGetAsync(_s.Keys.StatFailed));
    }

    /// <summary>
    /// A number past a double (1e400) reads as infinity, which the retry key's JSON could not
    /// hold: planning the retry threw, and the worker died with the job three times, to poison.
    /// </summary>
    [Fact(Timeout = 30_000)]
    public async Task A_failing_job_whose_args_overflow_a_double_is_retried_and_failed_without_harming_its_worker()
    {
        using var worker = Start("1", "0");
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), """{"class":"Sleep","args":[1e400]}""");

        await Wait.UntilAsync(async () => await Db.ListLengthAsync(_s.Keys.Failed) == 1, because: "the job to fail for good");
        var failure = (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!;
        Assert.EndsWith(",\"retry_attempts\":2}", failure);
        Assert.DoesNotContain("PoisonJob", failure);
        Assert.Equal(2, worker.Process.CountLines("Job started Sleep"));
        Assert.False(worker.Process.HasExited, worker.Process.Output);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_worker_death_the_payload_carries_counts_as_an_attempt_toward_the_retry_limit()
    {
        using var worker = Start("1", "0");
        // Recovered once after its worker died (the poison rule's count), then it fails.
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), """{"class":"Fail","args":["boom"],"pool_attempts":1}""");

        await Wait.UntilAsync(async () => await Db.ListLengthAsync(_s.Keys.Failed) == 1, because: "the job to fail for good");
        Assert.EndsWith(",\"retry_attempts\":2}", (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!);
        Assert.Equal(1, worker.Process.CountLines("Job started Fail"));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_delayed_retry_is_a_resque_scheduler_entry_with_resque_retrys_counter_and_suppressed_failure()
    {
        using var worker = Start("1", "60");
        await Db.ListRightPushAsync(_s.Keys.Queue("q"), """{"class":"Fail","args":["x/y"]}""");
        const string delayed = "{\"class\":\"Fail\",\"args\":[\"x/y\"],\"queue\":\"q\"}";

        await Wait.UntilAsync(async () => await Db.SortedSetLengthAsync(SKeys.Schedule) == 1, because: "the retry to be scheduled");
        var at = (long)(await Db.SortedSetRangeByRankWithScoresAsync(SKeys.Schedule))[0].Score;
        Assert.InRange(at - DateTimeOffset.UtcNow.ToUnixTimeSeconds(), 55, 61);
        Assert.Equal([delayed], (await Db.ListRangeAsync(SKeys.Bucket(at))).Select(v => (string)v!));
        Assert.Equal([$"delayed:{at}"], (await Db.SetMembersAsync(SKeys.Timestamps(delayed))).Select(v => (string)v!));
        var counter = Counter("Fail", "x/y");
        Assert.Equal("0", (string?)await Db.StringGetAsync(counter));
        Assert.NotNull(await Db.KeyTimeToLiveAsync(counter));
        var suppressed = (string?)await Db.StringGetAsync(counter.Replace(":resque-retry:", ":failure-resque-retry:"));
        Assert.Matches("""^\{"failed_at":"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d","payload":\{"class":"Fail","args":\["x/y"\]\},"exception":"System.InvalidOperationException","error":"x/y",""", suppressed);
        Assert.InRange((await Db.KeyTimeToLiveAsync(counter.Replace(":resque-retry:", ":failure-resque-retry:")))!.Value.TotalSeconds, 100, 120);
        Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Failed));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_job_that_fails_once_and_then_succeeds_leaves_no_retry_counter_as_resque_retry_deletes_it()
    {
        using var worker = Start("3", "0");
        var path = Path.Combine(Path.GetTempPath(), $"pool-flaky-{Guid.NewGuid():N}");
        try
        {
            await Db.ListRightPushAsync(_s.Keys.Queue("q"), $$"""{"class":"Flaky","args":["{{path}}"]}""");
            var counter = Counter("Flaky", path);

            await Wait.UntilAsync(() => worker.Process.CountLines("Job done Flaky") == 2, because: "the job to fail and then succeed on its retry");
            // The success's ack (folded into the next reserve) deletes the counter; before, it lived an hour.
            await Wait.UntilAsync(async () => !await Db.KeyExistsAsync(counter), TimeSpan.FromSeconds(5), "the retry counter to go with the ack");
            Assert.Equal(1, worker.Process.CountLines("outcome=completed"));
            Assert.Equal(0, await Db.ListLengthAsync(_s.Keys.Failed));
            Assert.Equal(1, (long)await Db.StringGetAsync(_s.Keys.StatFailed));
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose() => _s.Dispose();
}
