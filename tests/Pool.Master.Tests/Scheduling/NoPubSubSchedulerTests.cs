using Pool.Master.Config;
using Pool.Master.Scheduling;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>
/// The scheduler when its Redis user may not SUBSCRIBE (ACL -@pubsub, as some managed Redis hand
/// out): pub/sub is only a wake-up, so it polls. It used to retry SUBSCRIBE before every pass and
/// never get to one: after one "pass failed (NOPERM ...)" nothing delayed or recurring ever ran.
/// </summary>
public sealed class NoPubSubSchedulerTests(RedisFixture redis) : OpsTest(redis, "nopubsched")
{
    private const string Warning = "wake-ups off: the Redis user may not SUBSCRIBE";

    [Fact(Timeout = 60_000)]
    public async Task It_moves_a_due_delayed_job_and_fires_an_every_entry_by_polling_and_warns_once()
    {
        var log = new LogCapture();
        var every = new ScheduleEntry("tick", EveryRecurrence.Parse("1s"), "Noop", "ticks", "[1]", null, MissedPolicy.Skip, 1);
        var env = new Dictionary<string, string?> { ["POOL_SCHEDULER_POLL"] = "0.5" };
        await using var host = SchedulerHost.Start(Redis.Server.UrlWithoutPubSub(), Ns, [every], null, env, log.Logger)!;

        // Pushed by a user with pub/sub: its wake-up reaches nobody, so only the poll finds the job.
        await new DelayedQueue(Db, new SchedulerKeys(Ns)).EnqueueInAsync(TimeSpan.FromSeconds(1), "q", "Record", "x");

        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("q")) == 1, TimeSpan.FromSeconds(5), "the due delayed job to reach its queue", () => Task.FromResult(log.ToString()));
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("ticks")) >= 2, TimeSpan.FromSeconds(5), "the every: 1s entry to fire twice", () => Task.FromResult(log.ToString()));
        Assert.True(log.Count(Warning) == 1, log.ToString());
        Assert.Contains("+@pubsub", Assert.Single(log.Lines, l => l.Contains(Warning, StringComparison.Ordinal)));
        Assert.Equal(0, log.Count("pass failed"));
    }
}
