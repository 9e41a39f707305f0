using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Supervision;
using Pool.Protocol.Working;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Scripts;

/// <summary>Batched reserve: every reserved job stays findable, and goes back in order.</summary>
public sealed class BatchScriptTests(RedisFixture redis) : NamespacedTest(redis)
{

    private async Task<string[]> Queue(string q) => (await Db.ListRangeAsync(Keys.Queue(q))).Select(v => (string)v!).ToArray();

    private async Task<WorkerStore> ReserveBatchAsync(string id)
    {
        var producer = new Producer(Redis.Server.Connection, Ns);
        foreach (var name in new[] { "A", "B" }) await producer.EnqueueAsync("high", name);
        foreach (var name in new[] { "C", "D" }) await producer.EnqueueAsync("low", name);
        var w = new WorkerStore(Db, Keys, id, ["high", "low"]);
        await w.RegisterAsync();
        var r = await w.ReserveAsync(null, batch: 3);
        Assert.Equal(["high", "high", "low"], r.Jobs!.Select(j => j.Queue));
        Assert.Equal(["""{"class":"D","args":[]}"""], await Queue("low"));
        return w;
    }

    [Fact]
    public async Task A_batch_takes_jobs_across_queues_in_priority_order_and_advance_promotes_the_next()
    {
        var w = await ReserveBatchAsync("h:1:high,low");
        var current = (string?)await Db.HashGetAsync(Keys.InFlight(w.WorkerId), "rid");
        var held = await w.ReserveAsync(null, batch: 3); // as after a lost reply: the whole batch comes back
        Assert.Equal(3, held.Jobs!.Count);

        w.Advance(current, held.Jobs[1]);
        Assert.Equal(held.Jobs[1].Rid, (string?)await Db.HashGetAsync(Keys.InFlight(w.WorkerId), "rid"));
        Assert.Equal("""{"class":"B","args":[]}""", (string?)await Db.HashGetAsync(Keys.InFlight(w.WorkerId), "payload"));
        Assert.Equal(1, (long)await Db.StringGetAsync(Keys.StatProcessed));
    }

    [Fact]
    public async Task Recovery_puts_the_running_job_first_and_the_unstarted_batch_after_it()
    {
        var w = await ReserveBatchAsync("h:2:high,low");
        var master = new RedisMasterStore(Redis.Server.Connection, Ns);
        Assert.Equal(RecoveryAction.Requeued, (await master.RecoverWorkerAsync(w.WorkerId)).Action);
        Assert.Equal(["""{"class":"A","args":[],"pool_attempts":1}""", """{"class":"B","args":[]}"""], await Queue("high"));
        Assert.Equal(["""{"class":"C","args":[]}""", """{"class":"D","args":[]}"""], await Queue("low"));
    }

    [Fact]
    public async Task Release_gives_back_only_the_unstarted_jobs_in_order()
    {
        var w = await ReserveBatchAsync("h:3:high,low");
        Assert.Equal(2, await w.ReleaseAsync());
        Assert.Equal(["""{"class":"B","args":[]}"""], await Queue("high"));
        Assert.Equal(["""{"class":"C","args":[]}""", """{"class":"D","args":[]}"""], await Queue("low"));
        Assert.True(await Db.KeyExistsAsync(Keys.InFlight(w.WorkerId)), "the running job stays held");
    }
}
