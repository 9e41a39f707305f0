using Pool.Protocol.Scheduling;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Scheduling;

/// <summary>The stored bytes against resque-scheduler's layout, and the atomic move, on a real Redis.</summary>
public sealed class DelayedQueueTests(RedisFixture redis) : NamespacedTest(redis)
{
    private SchedulerKeys SKeys => new(Ns);
    private DelayedQueue Delayed => new(Db, SKeys);
    /// <summary>A whole second an hour ahead, so adding under a second stays in it.</summary>
    private static readonly DateTimeOffset Future = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 3600);
    private static long Sec(DateTimeOffset t) => t.ToUnixTimeSeconds();

    /// <summary>Writes a delayed job the way Ruby's delayed_push does: RPUSH, SADD, ZADD, namespaced keys, un-namespaced bucket name in the index.</summary>
    private async Task RubyPushAsync(long at, string encoded)
    {
        await Db.ListRightPushAsync($"{Ns}:delayed:{at}", encoded);
        await Db.SetAddAsync($"{Ns}:timestamps:{encoded}", $"delayed:{at}");
        await Db.SortedSetAddAsync($"{Ns}:delayed_queue_schedule", at.ToString(), at);
    }

    private SchedulerStore Store(string value = "host:1") => new(Db, SKeys, SKeys.MasterLock(), value);

    [Fact]
    public async Task Enqueue_at_writes_the_bucket_the_reverse_index_and_the_schedule_exactly_as_ruby_does()
    {
        var job = await Delayed.EnqueueAtAsync(Future.AddMilliseconds(700), "mail", "Mailer", "a/b", 1, 1.0);
        var at = Sec(Future);
        const string expected = "{\"class\":\"Mailer\",\"args\":[\"a/b\",1,1.0],\"queue\":\"mail\"}";

        Assert.Equal(expected, job.Encoded);
        Assert.Equal([expected], (await Db.ListRangeAsync($"{Ns}:delayed:{at}")).Select(v => (string)v!));
        Assert.Equal([$"delayed:{at}"], (await Db.SetMembersAsync($"{Ns}:timestamps:{expected}")).Select(v => (string)v!));
        var schedule = await Db.SortedSetRangeByRankWithScoresAsync($"{Ns}:delayed_queue_schedule");
        Assert.Equal(at.ToString(), (string)Assert.Single(schedule).Element!);
        Assert.Equal(at, Assert.Single(schedule).Score);
    }

    [Fact]
    public async Task A_job_ruby_wrote_is_listed_and_cancelled_and_one_pool_wrote_is_removed_the_way_ruby_removes()
    {
        var at = Sec(Future);
        await RubyPushAsync(at, "{\"class\":\"Ruby\",\"args\":[\"é\"],\"queue\":\"q\"}");
        await Delayed.EnqueueAtAsync(Future, "q", "Pool", 2);

        var listed = await Delayed.ListAsync();
        Assert.Equal(["Ruby", "Pool"], listed.Select(e => e.Job!.Class));
        Assert.Equal([DateTimeOffset.FromUnixTimeSeconds(at)], await Delayed.ScheduledAtAsync("q", "Ruby", "é"));
        Assert.Equal(1, await Delayed.RemoveDelayedAsync("q", "Ruby", "é"));

        // Ruby's remove_delayed: encode the three fields, read the index, LREM each bucket.
        var search = "{\"class\":\"Pool\",\"args\":[2],\"queue\":\"q\"}";
        var buckets = await Db.SetMembersAsync($"{Ns}:timestamps:{search}");
        Assert.Equal(1, await Db.ListRemoveAsync($"{Ns}:{(string)Assert.Single(buckets)!}", search));
    }

    [Fact]
    public async Task Enqueue_at_a_past_second_enqueues_at_once_like_ruby()
    {
        await Delayed.EnqueueAtAsync(DateTimeOffset.UtcNow.AddMinutes(-1), "now", "Late", 1);

        Assert.Equal(["{\"class\":\"Late\",\"args\":[1]}"], (await Db.ListRangeAsync(Keys.Queue("now"))).Select(v => (string)v!));
        Assert.Equal(0, await Db.SortedSetLengthAsync(SKeys.Schedule));
    }

    [Fact]
    public async Task Remove_of_the_last_job_in_a_second_drops_the_bucket_and_its_schedule_entry()
    {
        await Delayed.EnqueueAtAsync(Future, "q", "A", 1);
        await Delayed.EnqueueAtAsync(Future, "q", "A", 1);

        Assert.Equal(2, await Delayed.RemoveDelayedAsync("q", "A", 1));
        Assert.Equal(0, await Db.SortedSetLengthAsync(SKeys.Schedule));
        Assert.False(await Db.KeyExistsAsync(SKeys.Bucket(Sec(Future))));
        Assert.False(await Db.KeyExistsAsync(SKeys.Timestamps("{\"class\":\"A\",\"args\":[1],\"queue\":\"q\"}")));
    }

    [Fact]
    public async Task Moving_takes_due_seconds_oldest_first_fifo_within_a_second_and_leaves_future_ones()
    {
        var now = DateTimeOffset.UtcNow;
        await RubyPushAsync(Sec(now) - 5, "{\"class\":\"B\",\"args\":[1],\"queue\":\"q\"}");
        await RubyPushAsync(Sec(now) - 5, "{\"class\":\"B\",\"args\":[2],\"queue\":\"q\"}");
        await RubyPushAsync(Sec(now) - 60, "{\"class\":\"A\",\"args\":[\"x/y\"],\"queue\":\"q\"}");
        await Delayed.EnqueueAtAsync(now.AddHours(1), "q", "Later");
        await Db.StringSetAsync(SKeys.MasterLock(), "host:1");

        var result = await Store().MoveDueAsync(now);

        Assert.Equal(new MoveResult(3, 0, false), result);
        Assert.Equal(["{\"class\":\"A\",\"args\":[\"x/y\"]}", "{\"class\":\"B\",\"args\":[1]}", "{\"class\":\"B\",\"args\":[2]}"],
            (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!));
        Assert.True(await Db.SetContainsAsync(Keys.Queues, "q"));
        Assert.Equal(1, await Db.SortedSetLengthAsync(SKeys.Schedule));
        Assert.False(await Db.KeyExistsAsync(SKeys.Timestamps("{\"class\":\"B\",\"args\":[1],\"queue\":\"q\"}")));
        Assert.True(await Db.ListLengthAsync(Keys.Wake("q")) > 0);
    }

    [Fact]
    public async Task Moving_without_the_lease_moves_nothing()
    {
        await RubyPushAsync(Sec(DateTimeOffset.UtcNow) - 1, "{\"class\":\"A\",\"args\":[],\"queue\":\"q\"}");
        await Db.StringSetAsync(SKeys.MasterLock(), "other:2");

        Assert.Equal(-1, (await Store().MoveDueAsync(DateTimeOffset.UtcNow)).Moved);
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));
    }

    [Fact]
    public async Task Unreadable_entries_go_to_the_failed_list_with_the_reason_and_the_rest_still_moves()
    {
        var at = Sec(DateTimeOffset.UtcNow) - 1;
        await RubyPushAsync(at, "{half written");
        await RubyPushAsync(at, "{\"class\":\"NoQueue\",\"args\":[]}");
        await RubyPushAsync(at, "\"a string\"");
        await RubyPushAsync(at, "{\"class\":\"Ok\",\"args\":[],\"queue\":\"q\"}");
        // Remove_delayed left this second in the schedule with no bucket.
        await Db.SortedSetAddAsync(SKeys.Schedule, (at - 10).ToString(), at - 10);
        await Db.StringSetAsync(SKeys.MasterLock(), "host:1");

        var result = await Store().MoveDueAsync(DateTimeOffset.UtcNow);

        Assert.Equal(new MoveResult(1, 3, false), result);
        var failed = (await Db.ListRangeAsync(Keys.Failed)).Select(v => (string)v!).ToList();
        Assert.Equal(3, failed.Count);
        // Valid JSON that is no object is named as such, not as broken JSON.
        Assert.Contains("delayed job is not a JSON object", failed[2]);
        Assert.Contains("\"payload\":\"{half written\"", failed[0]);
        Assert.Contains("Pool::BadDelayedJob", failed[0]);
        Assert.Contains("no \\\"queue\\\" string", failed[1]);
        Assert.Equal(0, await Db.SortedSetLengthAsync(SKeys.Schedule));
    }

    [Fact]
    public async Task A_bucket_or_queue_key_of_another_type_is_failed_by_name_and_the_rest_still_moves()
    {
        var at = Sec(DateTimeOffset.UtcNow) - 1;
        // A stray string where a bucket belongs (it stopped every later move with WRONGTYPE), and a queue whose key is a string.
        await Db.StringSetAsync(Ns + ":delayed:" + (at - 5), "junk");
        await Db.SortedSetAddAsync(SKeys.Schedule, (at - 5).ToString(System.Globalization.CultureInfo.InvariantCulture), at - 5);
        await Db.StringSetAsync(Keys.Queue("strq"), "x");
        await RubyPushAsync(at, "{\"class\":\"ToString\",\"args\":[],\"queue\":\"strq\"}");
        await RubyPushAsync(at, "{\"class\":\"Ok\",\"args\":[],\"queue\":\"q\"}");
        await Db.StringSetAsync(SKeys.MasterLock(), "host:1");

        Assert.Equal(new MoveResult(1, 2, false), await Store().MoveDueAsync(DateTimeOffset.UtcNow));

        Assert.Equal(["{\"class\":\"Ok\",\"args\":[]}"], (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!));
        var failed = (await Db.ListRangeAsync(Keys.Failed)).Select(v => (string)v!).ToList();
        Assert.Contains($"the key {Ns}:delayed:{at - 5} is a string, not a list of delayed jobs; it was renamed to {Ns}:pool:bad-key:delayed:{at - 5}", failed[0]);
        Assert.Contains($"its queue's key {Ns}:queue:strq is not a list", failed[1]);
        Assert.Equal("junk", (string?)await Db.StringGetAsync(Ns + ":pool:bad-key:delayed:" + (at - 5)));
        Assert.Equal("x", (string?)await Db.StringGetAsync(Keys.Queue("strq")));
        Assert.Equal(0, await Db.SortedSetLengthAsync(SKeys.Schedule));
    }

    [Fact]
    public async Task A_batch_limit_moves_in_order_and_reports_more()
    {
        var at = Sec(DateTimeOffset.UtcNow) - 1;
        for (var i = 0; i < 5; i++) await RubyPushAsync(at, $"{{\"class\":\"N\",\"args\":[{i}],\"queue\":\"q\"}}");
        await Db.StringSetAsync(SKeys.MasterLock(), "host:1");

        Assert.Equal(new MoveResult(3, 0, true), await Store().MoveDueAsync(DateTimeOffset.UtcNow, max: 3));
        Assert.Equal(new MoveResult(2, 0, false), await Store().MoveDueAsync(DateTimeOffset.UtcNow, max: 3));
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{{\"class\":\"N\",\"args\":[{i}]}}"), (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!));
    }

    [Fact]
    public async Task The_lease_is_taken_renewed_refused_to_others_and_released_only_by_its_holder()
    {
        var first = await Store("a:1").TickAsync(TimeSpan.FromSeconds(10));
        var second = await Store("b:2").TickAsync(TimeSpan.FromSeconds(10));

        Assert.True(first.Leader);
        Assert.False(second.Leader);
        Assert.Equal("a:1", second.Holder);
        Assert.Equal($"{Ns}:{Ns}:resque_scheduler_master_lock", SKeys.MasterLock());
        Assert.False(await Store("b:2").ReleaseAsync());
        Assert.True(await Store("a:1").ReleaseAsync());
        Assert.True((await Store("b:2").TickAsync(TimeSpan.FromSeconds(10))).Leader);
        Assert.InRange((await Db.KeyTimeToLiveAsync(SKeys.MasterLock()))!.Value.TotalSeconds, 8, 10);
    }

    [Fact]
    public async Task A_page_goes_on_past_empty_buckets_ruby_left_and_its_cursor_resumes_inside_a_second()
    {
        var at = Sec(Future);
        // 250 seconds in the schedule with no bucket (Ruby's remove_delayed leaves them for its loop), then 5 jobs in one second.
        await Db.SortedSetAddAsync($"{Ns}:delayed_queue_schedule", Enumerable.Range(0, 250).Select(i => new SortedSetEntry((at + i).ToString(), at + i)).ToArray());
        for (var i = 0; i < 5; i++) await RubyPushAsync(at + 300, $"{{\"class\":\"J\",\"args\":[{i}],\"queue\":\"q\"}}");

        var first = await Delayed.PageAsync(DelayedCursor.Start, 3);
        Assert.Equal(["[0]", "[1]", "[2]"], first.Slots.Select(s => s.Entry.Job!.ArgsJson));
        Assert.Equal(new DelayedCursor(at + 300, 3), first.Next);
        var second = await Delayed.PageAsync(first.Next!.Value, 3);
        Assert.Equal(["[3]", "[4]"], second.Slots.Select(s => s.Entry.Job!.ArgsJson));
        Assert.Equal([3L, 4L], second.Slots.Select(s => s.Offset));
        Assert.Null(second.Next);
        Assert.Equal(5, (await Delayed.ListAsync(10)).Count);
    }
}
