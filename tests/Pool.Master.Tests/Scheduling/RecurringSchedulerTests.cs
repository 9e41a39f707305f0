using Pool.Master.Config;
using Pool.Master.Scheduling;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>Exactly-once firing and the missed-occurrence policies, against a real Redis with chosen instants.</summary>
public sealed class RecurringSchedulerTests(RedisFixture redis) : OpsTest(redis, "recur")
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);
    private SchedulerKeys SKeys => new(Ns);

    private RecurringScheduler Master(string value, params ScheduleEntry[] entries)
    {
        var scheduler = new RecurringScheduler(new RecurringStore(Db, SKeys), SKeys.MasterLock(), value, Grace, Serilog.Core.Logger.None);
        scheduler.Use(entries);
        return scheduler;
    }

    private static ScheduleEntry Every10s(MissedPolicy missed = MissedPolicy.Skip) =>
        new("tick", EveryRecurrence.Parse("10s"), "Noop", "q", "[1]", null, missed, 1);

    private async Task LeadAsync(string value) => await Db.StringSetAsync(SKeys.MasterLock(), value);

    [Fact]
    public async Task An_occurrence_fires_once_even_when_two_masters_and_a_restart_all_try_it()
    {
        await LeadAsync("a:1");
        var a = Master("a:1", Every10s());
        var restarted = Master("a:1", Every10s());
        var b = Master("b:2", Every10s());

        Assert.Equal(T0.AddSeconds(10), await a.FireDueAsync(T0.AddMilliseconds(3)));
        await a.FireDueAsync(T0.AddMilliseconds(900));
        await restarted.FireDueAsync(T0.AddSeconds(1));
        await LeadAsync("b:2");
        await b.FireDueAsync(T0.AddSeconds(2));

        Assert.Equal(["""{"class":"Noop","args":[1]}"""], (await Db.ListRangeAsync(Keys.Queue("q"))).Select(v => (string)v!));
        Assert.Equal(T0.ToUnixTimeSeconds().ToString(), (string?)await Db.HashGetAsync(SKeys.LastFire, "tick"));
        Assert.Equal("2026-12-01 12:00:00 +0000", (string?)await Db.HashGetAsync(SKeys.LastEnqueuedAt, "tick"));

        await b.FireDueAsync(T0.AddSeconds(10));
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));
    }

    [Fact]
    public async Task A_last_enqueued_at_key_of_another_type_is_set_aside_and_the_fire_is_recorded_there_anew()
    {
        await LeadAsync("a:1");
        await Db.StringSetAsync(SKeys.LastEnqueuedAt, "stray");

        await Master("a:1", Every10s()).FireDueAsync(T0.AddMilliseconds(3));

        Assert.Equal(1, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.Equal("2026-12-01 12:00:00 +0000", (string?)await Db.HashGetAsync(SKeys.LastEnqueuedAt, "tick"));
        Assert.Equal("stray", (string?)await Db.StringGetAsync(Keys.Namespace + ":pool:bad-key:delayed:last_enqueued_at"));
    }

    [Fact]
    public async Task A_follower_never_fires()
    {
        await LeadAsync("someone-else:9");

        await Master("a:1", Every10s()).FireDueAsync(T0);

        Assert.Equal(0, await Db.ListLengthAsync(Keys.Queue("q")));
    }

    [Fact]
    public async Task Occurrences_missed_while_no_master_ran_are_skipped_by_default_and_run_once_with_missed_once()
    {
        await LeadAsync("a:1");
        await Master("a:1", Every10s()).FireDueAsync(T0);
        await Master("a:1", Every10s(MissedPolicy.Once) with { Name = "catchup" }).FireDueAsync(T0);
        Assert.Equal(2, await Db.ListLengthAsync(Keys.Queue("q")));

        // An hour later (360 occurrences missed): skip runs none of them, once runs one.
        var later = T0.AddHours(1).AddSeconds(7);
        var master = Master("a:1", Every10s(), Every10s(MissedPolicy.Once) with { Name = "catchup" });
        await master.FireDueAsync(later);
        await master.FireDueAsync(later.AddSeconds(1));

        Assert.Equal(3, await Db.ListLengthAsync(Keys.Queue("q")));
        Assert.Equal(T0.AddHours(1).ToUnixTimeSeconds().ToString(), (string?)await Db.HashGetAsync(SKeys.LastFire, "tick"));
        Assert.Equal(T0.AddHours(1).ToUnixTimeSeconds().ToString(), (string?)await Db.HashGetAsync(SKeys.LastFire, "catchup"));
    }
}
