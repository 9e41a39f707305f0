using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Scripts;

public sealed class ScriptTests(RedisFixture redis) : NamespacedTest(redis)
{


    [Fact]
    public async Task Enqueue_adds_the_queue_pushes_the_job_and_a_wake_token()
    {
        await Producer.EnqueueAsync("mail", "Send", "a@b.c");
        Assert.True(await Db.SetContainsAsync(Keys.Queues, "mail"));
        Assert.Equal("""{"class":"Send","args":["a@b.c"]}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("mail"), 0));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Wake("mail")));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.WakeAny));
    }

    [Fact]
    public async Task A_queue_list_of_the_wrong_type_is_set_aside_by_enqueue_and_by_a_star_worker_s_ack_and_reserve()
    {
        // Another app's string where Resque lists its queues: a "*" worker's reserve, which also
        // carries the last job's ack, used to fail with WRONGTYPE after the ack's writes.
        await Db.StringSetAsync(Keys.Queues, "stray");
        var w = await WorkerAsync("h:9:*", "*");
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(null)).Status);
        Assert.Equal("stray", (string?)await Db.StringGetAsync(Keys.Namespace + ":pool:bad-key:queues"));
        Assert.Contains(await Db.ListRangeAsync(Keys.Failed), e => ((string)e!).Contains("not a set (the queue list)", StringComparison.Ordinal));

        await Db.StringSetAsync(Keys.Queues, "stray again");
        await Producer.EnqueueAsync("mail", "Send");
        Assert.True(await Db.SetContainsAsync(Keys.Queues, "mail"));
        var job = (await w.ReserveAsync(null)).Job!;
        Assert.Equal("""{"class":"Send","args":[]}""", job.Payload);
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(job.Rid)).Status);
    }

    [Fact]
    public async Task Reserve_takes_from_the_left_in_priority_order_and_records_the_job_in_flight()
    {
        await Producer.EnqueueAsync("low", "L");
        await Producer.EnqueueAsync("high", "H1");
        await Producer.EnqueueAsync("high", "H2");
        var w = await WorkerAsync("h:1:high,low", "high", "low");

        var first = await w.ReserveAsync(null);
        Assert.Equal(ReserveStatus.Job, first.Status);
        Assert.Equal(("high", """{"class":"H1","args":[]}"""), (first.Job!.Queue, first.Job.Payload));
        Assert.Equal(first.Job.Payload, (string?)await Db.HashGetAsync(Keys.InFlight(w.WorkerId), "payload"));
        Assert.StartsWith("""{"queue":"high","run_at":""", (string?)await Db.StringGetAsync(Keys.Worker(w.WorkerId)));

        var second = await w.ReserveAsync(first.Job.Rid);
        Assert.Equal("""{"class":"H2","args":[]}""", second.Job!.Payload);
        Assert.Equal(1, (long)await Db.StringGetAsync(Keys.StatProcessed));
        var third = await w.ReserveAsync(second.Job.Rid);
        Assert.Equal("low", third.Job!.Queue);
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(third.Job.Rid)).Status);
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight(w.WorkerId)));
        Assert.False(await Db.KeyExistsAsync(Keys.Wake("high")), "an empty queue's stale wake tokens are dropped");
    }

    [Fact]
    public async Task Reserve_hands_back_a_job_still_held_instead_of_taking_another()
    {
        await Producer.EnqueueAsync("q", "A");
        await Producer.EnqueueAsync("q", "B");
        var w = await WorkerAsync("h:2:q", "q");
        var first = await w.ReserveAsync(null);
        var again = await w.ReserveAsync(null); // as after a lost reply
        Assert.Equal(first.Job!.Rid, again.Job!.Rid);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("q")));
    }

    [Fact]
    public async Task Reserve_takes_nothing_while_pause_all_workers_is_true_or_the_queue_is_paused()
    {
        await Producer.EnqueueAsync("q", "A");
        var w = await WorkerAsync("h:3:q", "q");
        await Db.StringSetAsync(Keys.PauseAll, "true");
        Assert.Equal(ReserveStatus.Paused, (await w.ReserveAsync(null)).Status);
        await Db.KeyDeleteAsync(Keys.PauseAll);
        await Db.SetAddAsync(Keys.PausedQueues, "q");
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(null)).Status);
        await Db.SetRemoveAsync(Keys.PausedQueues, "q");
        Assert.Equal(ReserveStatus.Job, (await w.ReserveAsync(null)).Status);
    }

    [Fact]
    public async Task Requeue_puts_the_exact_bytes_back_at_the_head()
    {
        const string raw = """{"class":"A","args":["x/ü"],"queue":"q","unknown":{"k":[1,2]}}""";
        await Producer.EnqueueRawAsync("q", raw);
        await Producer.EnqueueAsync("q", "B");
        var w = await WorkerAsync("h:4:q", "q");
        var job = (await w.ReserveAsync(null)).Job!;
        Assert.True(await w.RequeueAsync(job));
        Assert.Equal(raw, (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.False(await w.RequeueAsync(job), "a second requeue of the same reservation does nothing");
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
    }

    [Fact]
    public async Task Recover_appends_pool_attempts_byte_preserving_then_poisons_at_the_limit()
    {
        const string raw = """{"class":"A","args":["a/b"],"id":"é"}""";
        await Producer.EnqueueRawAsync("q", raw);
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            var w = await WorkerAsync($"h:{10 + attempt}:q", "q");
            await w.ReserveAsync(null);
            Assert.Equal(new RecoveryOutcome(RecoveryAction.Requeued, "q", "A", attempt), await Master.RecoverWorkerAsync(w.WorkerId));
            Assert.Equal($$"""{"class":"A","args":["a/b"],"id":"é","pool_attempts":{{attempt}}}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
            Assert.False(await Db.SetContainsAsync(Keys.Workers, w.WorkerId));
        }

        var last = await WorkerAsync("h:13:q", "q");
        await last.ReserveAsync(null);
        Assert.Equal(RecoveryAction.Poisoned, (await Master.RecoverWorkerAsync(last.WorkerId)).Action);
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));
        var failure = (string?)await Db.ListGetByIndexAsync(Keys.Failed, 0);
        Assert.Matches("""^\{"failed_at":"[^"]+ UTC","payload":\{"class":"A","args":\["a/b"\],"id":"é","pool_attempts":3\},"exception":"Pool::PoisonJob","error":"poison job: [^"]+","backtrace":\[\],"worker":"h:13:q","queue":"q"\}$""", failure);
        Assert.Equal(RecoveryOutcome.Nothing, await Master.RecoverWorkerAsync(last.WorkerId));
        var totals = await new PoolStatusReader(Db, Keys).ReadTotalsAsync();
        Assert.Equal((2L, 1L), (totals.Recovered, totals.Poisoned));
    }

    [Fact]
    public async Task Recover_of_an_empty_object_payload_adds_the_field_without_a_stray_comma()
    {
        await Producer.EnqueueRawAsync("q", "{}");
        var w = await WorkerAsync("h:20:q", "q");
        await w.ReserveAsync(null);
        await Master.RecoverWorkerAsync(w.WorkerId);
        Assert.Equal("""{"pool_attempts":1}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
    }

    [Fact]
    public async Task Sweep_recovers_only_workers_whose_lease_expired()
    {
        await Producer.EnqueueAsync("q", "A");
        await Producer.EnqueueAsync("q", "B");
        var dead = new WorkerStore(Db, Keys, "h:30:q", ["q"]) { Lease = TimeSpan.FromMilliseconds(50) };
        var alive = await WorkerAsync("h:31:q", "q");
        await dead.RegisterAsync();
        await alive.RegisterAsync();
        await dead.ReserveAsync(null);
        await alive.ReserveAsync(null);
        Assert.Equal(2, (await Master.BusyWorkersAsync([dead.WorkerId, alive.WorkerId])).Count);

        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync(Keys.Lease(dead.WorkerId)), because: "the short lease to expire");
        Assert.Equal(1, await Master.RecoverExpiredAsync());
        Assert.Equal(1, (await new PoolStatusReader(Db, Keys).ReadTotalsAsync()).Recovered);
        Assert.Equal("""{"class":"A","args":[],"pool_attempts":1}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.Equal([alive.WorkerId], await Master.BusyWorkersAsync([dead.WorkerId, alive.WorkerId]));
        Assert.True(await Db.SetContainsAsync(Keys.PoolWorkers, alive.WorkerId));
    }

    [Job("Mailer::Welcome")]
    private sealed class Welcome;

    [Fact]
    public async Task The_typed_enqueue_uses_the_job_name()
    {
        await Producer.EnqueueAsync<Welcome>("mail", 42L);
        Assert.Equal("""{"class":"Mailer::Welcome","args":[42]}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("mail"), 0));
    }

    [Fact]
    public async Task Scripts_still_run_after_the_script_cache_is_flushed()
    {
        await Producer.EnqueueAsync("q", "A");
        await Db.ExecuteAsync("SCRIPT", "FLUSH");
        await Producer.EnqueueAsync("q", "B");
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
    }
}
