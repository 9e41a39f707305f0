using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Testing;

namespace Pool.Protocol.Tests.Scripts;

/// <summary>
/// The delivery rules in the scripts: a worker holds only the job it runs, a swept worker takes
/// and acks nothing, a master's vouch keeps a silent child's job where it is, and a sweep waits
/// out a lease after Redis trouble.
/// </summary>
public sealed class DeliveryScriptTests(RedisFixture redis) : NamespacedTest(redis)
{
    private async Task<WorkerStore> RegisteredAsync(string id, TimeSpan? lease = null)
    {
        var w = new WorkerStore(Db, Keys, id, ["q"]) { Lease = lease ?? WorkerLease.Default };
        await w.RegisterAsync();
        return w;
    }

    /// <summary>A sweeper whose gate has nothing to wait for.</summary>
    private RedisMasterStore Sweeper => new(Redis.Server.Connection, Ns) { Lease = TimeSpan.Zero };

    [Fact]
    public async Task A_reserve_takes_one_job_and_leaves_the_rest_in_the_queue_where_Resque_sees_them()
    {
        foreach (var name in new[] { "A", "B", "C" }) await Producer.EnqueueAsync("q", name);
        var w = await RegisteredAsync("h:1:q");

        var r = await w.ReserveAsync(null);

        Assert.Equal("""{"class":"A","args":[]}""", r.Job!.Payload);
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight(w.WorkerId) + ":next"));
    }

    [Fact]
    public async Task A_reserve_retried_after_a_lost_reply_acks_once_and_hands_back_the_same_job()
    {
        foreach (var name in new[] { "A", "B", "C" }) await Producer.EnqueueAsync("q", name);
        var w = await RegisteredAsync("h:2:q");
        var first = (await w.ReserveAsync(null)).Job!;

        var second = (await w.ReserveAsync(first.Rid)).Job!; // its reply is "lost"
        var retried = (await w.ReserveAsync(first.Rid)).Job!;

        Assert.Equal(second, retried);
        Assert.Equal(1, (long)await Db.StringGetAsync(Keys.StatProcessed));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("q")));
    }

    [Fact]
    public async Task A_swept_worker_neither_acks_nor_reserves_until_it_registers_again()
    {
        foreach (var name in new[] { "A", "B" }) await Producer.EnqueueAsync("q", name);
        var w = await RegisteredAsync("h:3:q");
        var held = (await w.ReserveAsync(null)).Job!;
        await Master.RecoverWorkerAsync(w.WorkerId); // as a sweep does once the lease ran out

        Assert.Equal(ReserveStatus.Swept, (await w.ReserveAsync(held.Rid)).Status);
        Assert.Equal(0, (long)await Db.StringGetAsync(Keys.StatProcessed));
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.False(await Db.KeyExistsAsync(Keys.Lease(w.WorkerId)), "a swept worker must not look alive");

        await w.RegisterAsync();
        Assert.Equal("""{"class":"A","args":[],"pool_attempts":1}""", (await w.ReserveAsync(null)).Job!.Payload);
    }

    /// <summary>Resque's remove_queue: the list and its name in the queue set go.</summary>
    private async Task RemoveQueueAsync(string queue)
    {
        await Db.KeyDeleteAsync(Keys.Queue(queue));
        await Db.SetRemoveAsync(Keys.Queues, queue);
    }

    private async Task AssertRemovedAndFailedAsync(string queue)
    {
        Assert.False(await Db.KeyExistsAsync(Keys.Queue(queue)), "the removed queue must not come back");
        Assert.False(await Db.SetContainsAsync(Keys.Queues, queue), "nor its name in resque:queues");
        var failed = Assert.Single(await Db.ListRangeAsync(Keys.Failed));
        Assert.Contains("\"exception\":\"Pool::QueueRemoved\"", (string?)failed);
        Assert.Contains("\"queue\":\"" + queue + "\"", (string?)failed);
        Assert.Equal(1, (long)await Db.StringGetAsync(Keys.StatFailed));
    }

    [Fact]
    public async Task A_dead_workers_job_whose_queue_was_removed_is_failed_not_requeued_and_the_queue_stays_gone()
    {
        await Producer.EnqueueAsync("gone", "A");
        var w = new WorkerStore(Db, Keys, "h:20:gone", ["gone"]);
        await w.RegisterAsync();
        Assert.NotNull((await w.ReserveAsync(null)).Job);
        await RemoveQueueAsync("gone");

        var outcome = await Master.RecoverWorkerAsync(w.WorkerId);

        Assert.Equal(RecoveryAction.QueueRemoved, outcome.Action);
        Assert.Equal("A", outcome.JobClass);
        await AssertRemovedAndFailedAsync("gone");
    }

    [Fact]
    public async Task A_stopping_workers_job_whose_queue_was_removed_is_failed_not_put_back()
    {
        await Producer.EnqueueAsync("gone", "A");
        var w = new WorkerStore(Db, Keys, "h:21:gone", ["gone"]);
        await w.RegisterAsync();
        var held = (await w.ReserveAsync(null)).Job!;
        await RemoveQueueAsync("gone");

        Assert.Equal(RequeueOutcome.QueueRemoved, await w.PutBackAsync(held, null));

        await AssertRemovedAndFailedAsync("gone");
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight(w.WorkerId)));
    }

    [Fact]
    public async Task A_queue_only_emptied_by_the_reserve_still_gets_its_job_back()
    {
        await Producer.EnqueueAsync("q", "A");
        var w = await RegisteredAsync("h:22:q");
        Assert.NotNull((await w.ReserveAsync(null)).Job);
        Assert.False(await Db.KeyExistsAsync(Keys.Queue("q")), "the reserve took the last job");

        var outcome = await Master.RecoverWorkerAsync(w.WorkerId);

        Assert.Equal(RecoveryAction.Requeued, outcome.Action);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Failed));
    }

    /// <summary>A producer that pushes with a plain RPUSH never registers the queue; its job is still no removed queue's.</summary>
    [Fact]
    public async Task A_job_from_a_queue_a_plain_RPUSH_fed_goes_back_though_the_queue_was_never_registered()
    {
        await Db.ListRightPushAsync(Keys.Queue("raw"), """{"class":"A","args":[]}""");
        var w = new WorkerStore(Db, Keys, "h:23:raw", ["raw"]);
        await w.RegisterAsync();
        Assert.NotNull((await w.ReserveAsync(null)).Job);

        var outcome = await Master.RecoverWorkerAsync(w.WorkerId);

        Assert.Equal(RecoveryAction.Requeued, outcome.Action);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("raw")));
        Assert.True(await Db.SetContainsAsync(Keys.Queues, "raw"), "a taken job's queue is registered, as Resque's push does");
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Failed));
    }

    [Fact]
    public async Task A_master_vouching_for_a_silent_child_keeps_its_job_from_the_sweep()
    {
        await Producer.EnqueueAsync("q", "A");
        var silent = await RegisteredAsync("h:4:q", lease: TimeSpan.FromMilliseconds(300));
        await silent.ReserveAsync(null);
        var master = new RedisMasterStore(Redis.Server.Connection, Ns) { Lease = TimeSpan.FromSeconds(30) };

        await master.VouchAsync([silent.WorkerId, "h:99:not-a-pool-worker"]);

        Assert.True(await Db.KeyTimeToLiveAsync(Keys.Lease(silent.WorkerId)) > TimeSpan.FromSeconds(20), "the vouch outlasts the worker's own 300 ms lease");
        Assert.Equal(0, await Sweeper.RecoverExpiredAsync());
        Assert.True(await Db.KeyExistsAsync(Keys.InFlight(silent.WorkerId)));
        Assert.False(await Db.KeyExistsAsync(Keys.Lease("h:99:not-a-pool-worker")), "only registered Pool workers get a lease");
    }

    [Fact]
    public async Task A_sweep_waits_a_whole_lease_after_it_starts_or_sees_Redis_trouble()
    {
        await Producer.EnqueueAsync("q", "A");
        var dead = await RegisteredAsync("h:5:q", lease: TimeSpan.FromMilliseconds(50));
        await dead.ReserveAsync(null);
        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync(Keys.Lease(dead.WorkerId)), because: "the short lease to expire");

        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var sweeper = new RedisMasterStore(Redis.Server.Connection, Ns, time) { Lease = TimeSpan.FromSeconds(15) };
        Assert.Equal(0, await sweeper.RecoverExpiredAsync()); // just started: it does not know what happened before
        time.Advance(TimeSpan.FromSeconds(14));
        sweeper.Gate.Trouble();
        time.Advance(TimeSpan.FromSeconds(14));
        Assert.Equal(0, await sweeper.RecoverExpiredAsync());
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await sweeper.RecoverExpiredAsync());
    }

    [Fact]
    public async Task An_idle_registration_that_is_not_renewed_expires_so_a_stalled_worker_is_handed_nothing()
    {
        var w = new WorkerStore(Db, Keys, "h:6:q", ["q"]) { IdleRegistration = TimeSpan.FromMilliseconds(50) };
        await w.RegisterAsync();
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(null)).Status);
        await Wait.UntilAsync(async () => !await Db.KeyExistsAsync(Keys.Namespace + ":pool:idler:" + w.WorkerId), because: "the idle registration to expire");

        await Producer.EnqueueAsync("q", "A");

        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight(w.WorkerId)));
        Assert.False(await Db.SetContainsAsync(Keys.Idle("q"), w.WorkerId), "the stale member is dropped");
    }

    /// <summary>
    /// A job that blows its worker's memory limit: the master charges it a death before its
    /// TERM, so the worker's requeue counts an attempt, and the third such stop fails it as
    /// poison instead of handing it to the next worker for ever. An ordinary requeue (TERM for a
    /// deploy) and a later job of the same worker are never charged.
    /// </summary>
    [Fact]
    public async Task A_job_charged_for_memory_counts_an_attempt_at_its_requeue_and_turns_poison_at_the_limit()
    {
        await Producer.EnqueueAsync("q", "Hog");
        for (var stop = 1; stop <= 3; stop++)
        {
            var w = await RegisteredAsync($"h:{10 + stop}:q");
            var job = (await w.ReserveAsync(null)).Job!;
            Assert.Equal(1, await Master.ChargeAsync([w.WorkerId, "h:99:q"]));
            // The worker learns which it was, for its log line.
            Assert.Equal(stop < 3 ? RequeueOutcome.Requeued : RequeueOutcome.Poisoned, await w.PutBackAsync(job, null));
            if (stop < 3)
                Assert.Contains($"\"pool_attempts\":{stop}", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        }
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));
        var poison = (string?)await Db.ListGetByIndexAsync(Keys.Failed, 0);
        Assert.Contains("Pool::PoisonJob", poison);
        Assert.Contains("\"pool_attempts\":3", poison);

        // Not charged: a plain requeue, and the next job of a worker whose earlier job was.
        await Producer.EnqueueAsync("q", "A");
        await Producer.EnqueueAsync("q", "B");
        var next = await RegisteredAsync("h:20:q");
        var a = (await next.ReserveAsync(null)).Job!;
        await Master.ChargeAsync([next.WorkerId]);
        var b = (await next.ReserveAsync(a.Rid)).Job!;
        Assert.True(await next.RequeueAsync(b));
        Assert.DoesNotContain("pool_attempts", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Failed));
    }
}
