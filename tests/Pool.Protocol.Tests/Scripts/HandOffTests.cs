using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Testing;

namespace Pool.Protocol.Tests.Scripts;

/// <summary>The idle hand-off: an enqueue reserves for an idle worker and leaves the reservation in its mailbox.</summary>
public sealed class HandOffTests(RedisFixture redis) : NamespacedTest(redis)
{

    private async Task<WorkerStore> IdleWorkerAsync(string id, params string[] queues)
    {
        var w = await WorkerAsync(id, queues);
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(null)).Status);
        return w;
    }

    private async Task<string[]> MailboxAsync(string id) =>
        [.. (await Db.ListRangeAsync(Keys.Mailbox(id))).Select(v => (string)v!)];

    [Fact]
    public async Task An_enqueue_reserves_the_job_for_an_idle_worker_and_puts_it_in_its_mailbox_instead_of_a_wake_token()
    {
        var w = await IdleWorkerAsync("h:1:q", "q");
        Assert.Equal(0, await Producer.EnqueueAsync("q", "A")); // nothing left waiting in the queue

        var entry = Assert.Single(await MailboxAsync(w.WorkerId));
        var held = await Db.HashGetAllAsync(Keys.InFlight(w.WorkerId));
        var rid = (string?)held.Single(e => e.Name == "rid").Value;
        Assert.Equal($"{rid}\nq\n" + """{"class":"A","args":[]}""", entry);
        Assert.StartsWith("""{"queue":"q","run_at":""", (string?)await Db.StringGetAsync(Keys.Worker(w.WorkerId)));
        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.False(await Db.KeyExistsAsync(Keys.Wake("q")), "a handed-off job needs no wake token");
        Assert.False(await Db.SetContainsAsync(Keys.Idle("q"), w.WorkerId), "a worker that was handed a job is no longer idle");

        // The ack of a handed-off job is the usual one, folded into the next reserve.
        Assert.Equal(ReserveStatus.Empty, (await w.ReserveAsync(rid)).Status);
        Assert.Equal(1, (long)await Db.StringGetAsync(Keys.StatProcessed));
    }

    [Fact]
    public async Task A_reserve_hands_back_a_job_whose_mailbox_copy_was_never_read_and_empties_the_mailbox()
    {
        var w = await IdleWorkerAsync("h:2:q", "q");
        await Producer.EnqueueAsync("q", "A");

        var again = await w.ReserveAsync(null);
        Assert.Equal("""{"class":"A","args":[]}""", again.Job!.Payload);
        Assert.Empty(await MailboxAsync(w.WorkerId));
    }

    [Fact]
    public async Task A_worker_that_stops_taking_jobs_leaves_the_idle_set_and_puts_back_a_job_it_never_read()
    {
        var w = await IdleWorkerAsync("h:3:q", "q");
        await Producer.EnqueueAsync("q", "A");

        Assert.Equal(ReserveStatus.Acked, (await w.ReserveAsync(null, reserve: false)).Status);
        Assert.Equal("""{"class":"A","args":[]}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight(w.WorkerId)));
        Assert.Empty(await MailboxAsync(w.WorkerId));

        await Producer.EnqueueAsync("q", "B");
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.Empty(await MailboxAsync(w.WorkerId));
    }

    [Fact]
    public async Task The_idle_worker_gets_its_highest_priority_job_and_the_new_one_still_wakes_somebody()
    {
        var w = await IdleWorkerAsync("h:4:high,low", "high", "low");
        await Db.ListRightPushAsync(Keys.Queue("high"), """{"class":"Ruby","args":[]}"""); // a foreign producer: no wake, no hand-off
        await Producer.EnqueueAsync("low", "L");

        var entry = Assert.Single(await MailboxAsync(w.WorkerId));
        Assert.EndsWith("\nhigh\n" + """{"class":"Ruby","args":[]}""", entry);
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("low")));
        Assert.Equal(1, await Db.ListLengthAsync(Keys.Wake("low")));
    }

    [Fact]
    public async Task Star_workers_are_handed_jobs_of_any_queue()
    {
        var w = await IdleWorkerAsync("h:5:*", "*");
        await Producer.EnqueueAsync("anything", "A");
        Assert.Single(await MailboxAsync(w.WorkerId));
    }

    [Fact]
    public async Task No_hand_off_while_paused_or_to_a_worker_whose_lease_ran_out()
    {
        var w = await IdleWorkerAsync("h:6:q", "q");
        await Db.StringSetAsync(Keys.PauseAll, "true");
        await Producer.EnqueueAsync("q", "A");
        Assert.Empty(await MailboxAsync(w.WorkerId));
        await Db.KeyDeleteAsync(Keys.PauseAll);

        await Db.KeyDeleteAsync(Keys.Lease(w.WorkerId));
        await Producer.EnqueueAsync("q", "B");
        Assert.Empty(await MailboxAsync(w.WorkerId));
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.False(await Db.SetContainsAsync(Keys.Idle("q"), w.WorkerId), "a dead worker is dropped from the idle set");
    }

    [Fact]
    public async Task Recovering_a_dead_idle_worker_requeues_the_job_it_never_read_without_counting_an_attempt()
    {
        var w = await IdleWorkerAsync("h:7:q", "q");
        await Producer.EnqueueAsync("q", "A");

        Assert.Equal(new RecoveryOutcome(RecoveryAction.Requeued, "q", "A", 0), await Master.RecoverWorkerAsync(w.WorkerId));
        Assert.Equal("""{"class":"A","args":[]}""", (string?)await Db.ListGetByIndexAsync(Keys.Queue("q"), 0));
        Assert.False(await Db.KeyExistsAsync(Keys.Mailbox(w.WorkerId)));
        Assert.False(await Db.SetContainsAsync(Keys.Idle("q"), w.WorkerId));
    }

    [Fact]
    public async Task A_handed_off_job_that_was_read_counts_an_attempt_when_its_worker_dies()
    {
        var w = await IdleWorkerAsync("h:8:q", "q");
        await Producer.EnqueueAsync("q", "A");
        await Db.ListLeftPopAsync(Keys.Mailbox(w.WorkerId)); // what the worker's BLPOP does

        Assert.Equal(new RecoveryOutcome(RecoveryAction.Requeued, "q", "A", 1), await Master.RecoverWorkerAsync(w.WorkerId));
    }
}
