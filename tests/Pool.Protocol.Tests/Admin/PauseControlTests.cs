using Pool.Protocol.Admin;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Admin;

public sealed class PauseControlTests(RedisFixture redis) : NamespacedTest(redis)
{
    private PauseControl Control => new(Db, Keys);

    /// <summary>Jobs pushed the way a Ruby producer does: no wake tokens.</summary>
    private async Task PushAsync(string queue, int count)
    {
        await Db.SetAddAsync(Keys.Queues, queue);
        await Db.ListRightPushAsync(Keys.Queue(queue), Enumerable.Range(0, count).Select(i => (RedisValue)$$"""{"class":"Noop","args":[{{i}}]}""").ToArray());
    }

    [Fact]
    public async Task Resuming_all_wakes_one_worker_per_queued_job_up_to_the_bound_and_none_for_a_queue_still_paused()
    {
        await PushAsync("big", 150);
        await PushAsync("small", 2);
        await PushAsync("held", 1);
        await Control.PauseAllAsync();
        await Control.PauseQueuesAsync(["held"]);

        var state = await Control.ResumeAllAsync();

        Assert.False(state.All);
        Assert.Equal(["held"], state.Queues);
        Assert.Equal(100, await Db.ListLengthAsync(Keys.Wake("big")));
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Wake("small")));
        Assert.False(await Db.KeyExistsAsync(Keys.Wake("held")));
        Assert.Equal(100, await Db.ListLengthAsync(Keys.WakeAny));
    }

    [Fact]
    public async Task Resuming_a_queue_wakes_workers_for_its_jobs_unless_the_global_pause_still_holds()
    {
        await PushAsync("mail", 3);
        await Control.PauseQueuesAsync(["mail"]);
        await Control.PauseAllAsync();

        var stillPaused = await Control.ResumeQueuesAsync(["mail"]);
        Assert.True(stillPaused.All);
        Assert.Empty(stillPaused.Queues);
        Assert.False(await Db.KeyExistsAsync(Keys.Wake("mail")), "a worker woken now would only find the global flag");

        await Control.PauseQueuesAsync(["mail"]);
        await Db.KeyDeleteAsync(Keys.PauseAll);
        await Control.ResumeQueuesAsync(["mail"]);
        Assert.Equal(3, await Db.ListLengthAsync(Keys.Wake("mail")));
    }
}
