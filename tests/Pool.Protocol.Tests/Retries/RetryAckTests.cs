using Pool.Protocol.Payloads;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;
using Pool.Protocol.Working;
using Pool.Testing;

namespace Pool.Protocol.Tests.Retries;

/// <summary>
/// resque-retry deletes a job's attempt counter when the job finally succeeds; Pool's ack does
/// too, because the retry's queued payload names the counter ("pool_retry"). Real Redis, the real
/// scripts: fail, move when due, reserve, ack.
/// </summary>
public sealed class RetryAckTests(RedisFixture redis) : NamespacedTest(redis)
{
    private SchedulerKeys SKeys => new(Ns);
    /// <summary>resque-retry's key for Flaky("foo"): sha1("foo").</summary>
    private const string Counter = "resque-retry:Flaky:0beec7b5ea3f0fdbc95d0dd47f3c5bc275da8a33";

    private async Task<WorkerStore> WorkerAsync(string delays)
    {
        var w = new WorkerStore(Db, Keys, "h:1:q", ["q"]) { Retries = new RetryPlanner(RetryPolicy.Parse("3", delays), _ => null) };
        await w.RegisterAsync();
        return w;
    }

    private async Task<Reservation> FailOnceAsync(WorkerStore w)
    {
        await Producer.EnqueueAsync("q", "Flaky", "foo");
        var first = (await w.ReserveAsync(null)).Job!;
        Assert.True(await w.FailAsync(first, "System.InvalidOperationException", "flaky", []));
        Assert.Equal("0", (string?)await Db.StringGetAsync(SKeys.Retry(Counter)));
        return first;
    }

    [Fact]
    public async Task A_retry_never_comes_due_sooner_than_its_delay()
    {
        var w = await WorkerAsync("1");
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await FailOnceAsync(w);

        // Due times are whole seconds; counted from the second the failure fell in, a 1 s retry
        // came due at once whenever the failure was late in its second (90 ms after it in a trial).
        var entry = Assert.Single(await new DelayedQueue(Db, SKeys).ListAsync());
        Assert.True(entry.At * 1000 >= before + 1000, $"due at {entry.At * 1000} ms, failed at {before} ms, delay 1 s");
    }

    [Fact]
    public async Task A_stray_key_where_the_retry_s_bucket_goes_is_set_aside_and_the_retry_is_scheduled_once()
    {
        var w = await WorkerAsync("60");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        // Another app's strings over every second the retry could be due at (a found trial's repro).
        for (var at = now + 50; at <= now + 70; at++) await Db.StringSetAsync(SKeys.Bucket(at), "stray");
        await FailOnceAsync(w);

        var entry = Assert.Single(await new DelayedQueue(Db, SKeys).ListAsync());
        Assert.Equal("Flaky", entry.Job!.Class);
        Assert.Contains(await Db.ListRangeAsync(Keys.Failed), e => ((string)e!).Contains("Pool::BadKey", StringComparison.Ordinal) && ((string)e!).Contains(":delayed:" + entry.At, StringComparison.Ordinal));
        Assert.Equal("stray", (string?)await Db.StringGetAsync(Keys.Namespace + ":pool:bad-key:delayed:" + entry.At));
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight("h:1:q")));
    }

    [Fact]
    public async Task A_delayed_schedule_that_is_no_sorted_set_refuses_the_retry_with_the_key_and_writes_nothing_until_it_is_fixed()
    {
        var w = await WorkerAsync("60");
        await Db.StringSetAsync(SKeys.Schedule, "oops");
        await Producer.EnqueueAsync("q", "Flaky", "foo");
        var job = (await w.ReserveAsync(null)).Job!;
        var countersBefore = (long)await Db.StringGetAsync(Keys.StatProcessed);

        var e = await Assert.ThrowsAsync<StackExchange.Redis.RedisServerException>(() => w.FailAsync(job, "System.InvalidOperationException", "flaky", []));
        Assert.Contains(SKeys.Schedule + " holds a string, not a sorted set", e.Message);
        // Nothing was written: the worker still holds the job, so its retry of the call loses nothing.
        Assert.Equal(job.Rid, (string?)await Db.HashGetAsync(Keys.InFlight("h:1:q"), "rid"));
        Assert.Equal(countersBefore, (long)await Db.StringGetAsync(Keys.StatProcessed));
        Assert.False(await Db.KeyExistsAsync(SKeys.Retry(Counter)));
        Assert.False(await Db.KeyExistsAsync(SKeys.Timestamps("""{"class":"Flaky","args":["foo"],"queue":"q"}""")));

        await Db.KeyDeleteAsync(SKeys.Schedule);
        Assert.True(await w.FailAsync(job, "System.InvalidOperationException", "flaky", []));
        var entry = Assert.Single(await new DelayedQueue(Db, SKeys).ListAsync());
        Assert.Equal("Flaky", entry.Job!.Class);
        Assert.Equal("0", (string?)await Db.StringGetAsync(SKeys.Retry(Counter)));
    }

    [Fact]
    public async Task A_retry_counter_of_the_wrong_type_is_set_aside_and_counts_from_the_start()
    {
        var w = await WorkerAsync("60");
        await Db.HashSetAsync(SKeys.Retry(Counter), "x", "y");
        await FailOnceAsync(w);
        Assert.Single(await new DelayedQueue(Db, SKeys).ListAsync());
        Assert.True(await Db.KeyExistsAsync(Keys.Namespace + ":pool:bad-key:" + Counter));
    }

    [Fact]
    public async Task A_delayed_retry_that_succeeds_leaves_no_counter_no_suppressed_failure_and_no_pending_mark()
    {
        var w = await WorkerAsync("60");
        await FailOnceAsync(w);
        const string delayed = """{"class":"Flaky","args":["foo"],"queue":"q"}""";
        Assert.Equal(Counter, (string?)await Db.HashGetAsync(SKeys.RetryPending, delayed));
        Assert.True(await Db.KeyExistsAsync(SKeys.RetryFailure(Counter)));

        // The scheduler's move, a minute on: the queued retry carries its counter key.
        var moved = await new SchedulerStore(Db, SKeys, "", "").MoveDueAsync(DateTimeOffset.UtcNow.AddSeconds(120));
        Assert.Equal(1, moved.Moved);
        Assert.False(await Db.KeyExistsAsync(SKeys.RetryPending));
        var retry = (await w.ReserveAsync(null)).Job!;
        Assert.Equal($$"""{"class":"Flaky","args":["foo"],"pool_retry":"{{Counter}}"}""", retry.Payload);
        Assert.True(PayloadCodec.TryDecode(retry.Payload, out var payload, out _));
        Assert.Equal(Counter, payload!.RetryCounter);

        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(retry.Rid, true, payload.RetryCounter)).Status);
        Assert.False(await Db.KeyExistsAsync(SKeys.Retry(Counter)));
        Assert.False(await Db.KeyExistsAsync(SKeys.RetryFailure(Counter)));
        Assert.Equal(2, (long)await Db.StringGetAsync(Keys.StatProcessed));
    }

    [Fact]
    public async Task Running_a_pending_retry_now_from_the_delayed_list_queues_it_with_its_counter_key_and_a_plain_job_without()
    {
        var w = await WorkerAsync("60");
        await FailOnceAsync(w);
        var delayed = new DelayedQueue(Db, SKeys);
        await delayed.EnqueueAtAsync(DateTimeOffset.UtcNow.AddHours(1), "q", "Plain", 1);

        foreach (var entry in await delayed.ListAsync()) Assert.True(await delayed.RunNowAsync(entry.Job!));

        Assert.Equal(
            [$$"""{"class":"Flaky","args":["foo"],"pool_retry":"{{Counter}}"}""", """{"class":"Plain","args":[1]}"""],
            (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!));
        Assert.False(await Db.KeyExistsAsync(SKeys.RetryPending));
    }

    [Fact]
    public async Task An_immediate_retry_is_queued_with_its_counter_key_and_its_ack_deletes_the_counter()
    {
        var w = await WorkerAsync("0");
        await FailOnceAsync(w);
        var retry = (await w.ReserveAsync(null)).Job!;
        Assert.EndsWith($",\"pool_retry\":\"{Counter}\"}}", retry.Payload);

        await w.ReserveAsync(retry.Rid, true, Counter);
        Assert.False(await Db.KeyExistsAsync(SKeys.Retry(Counter)));
    }

    [Fact]
    public async Task A_retry_that_fails_again_keeps_counting_and_only_a_real_counter_key_is_ever_deleted()
    {
        var w = await WorkerAsync("0");
        await FailOnceAsync(w);
        var retry = (await w.ReserveAsync(null)).Job!;
        Assert.True(await w.FailAsync(retry, "System.InvalidOperationException", "flaky", []));
        Assert.Equal("1", (string?)await Db.StringGetAsync(SKeys.Retry(Counter)));

        // A payload can name any key: only "resque-retry:..." is taken, by the decoder and by the script.
        var again = (await w.ReserveAsync(null)).Job!;
        await Db.StringSetAsync(Keys.Queue("precious") + "x", "keep");
        Assert.True(PayloadCodec.TryDecode("""{"class":"X","args":[],"pool_retry":"queue:preciousx"}""", out var forged, out _));
        Assert.Null(forged!.RetryCounter);
        await w.ReserveAsync(again.Rid, true, "queue:preciousx");
        Assert.Equal("keep", (string?)await Db.StringGetAsync(Keys.Queue("precious") + "x"));
        Assert.Equal("1", (string?)await Db.StringGetAsync(SKeys.Retry(Counter)));
    }

    [Fact]
    public async Task An_ordinary_ack_passes_no_counter_and_deletes_nothing()
    {
        var w = await WorkerAsync("0");
        await Db.StringSetAsync(SKeys.Retry(Counter), "0");
        await Producer.EnqueueAsync("q", "Flaky", "foo");
        var job = (await w.ReserveAsync(null)).Job!;
        Assert.True(PayloadCodec.TryDecode(job.Payload, out var payload, out _));
        Assert.Null(payload!.RetryCounter);

        await w.ReserveAsync(job.Rid, true, payload.RetryCounter);
        Assert.Equal("0", (string?)await Db.StringGetAsync(SKeys.Retry(Counter)));
    }
}
