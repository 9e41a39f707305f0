using Pool.Master.Config;
using Pool.Master.Scheduling;
using Pool.Master.Tests.Config;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>
/// The entries a Ruby app keeps in resque-scheduler's persistent_schedules (Resque.set_schedule,
/// resque-web) are fired by the leading Pool master, as a Ruby scheduler would, against a real
/// Redis. Before, Pool only listed them: while Pool led, nothing fired them.
/// </summary>
public sealed class RubyScheduleTests(RedisFixture redis) : OpsTest(redis, "rubysched")
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T12:00:30Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");
    private SchedulerKeys SKeys => new(Ns);

    private static ScheduleEntry? Parse(string config, string? environment = null) =>
        RubySchedules.Parse("entry", config, TimeZoneInfo.Utc, environment, out _);

    private static string? Problem(string config)
    {
        _ = RubySchedules.Parse("entry", config, TimeZoneInfo.Utc, null, out var problem);
        return problem;
    }

    [Theory]
    [InlineData("""{"every":"30s","class":"A","queue":"q","args":[1,"two"]}""", "[1,\"two\"]")]
    [InlineData("""{"every":"30s","class":"A","queue":"q","args":{"to":"ops/é"}}""", "[{\"to\":\"ops/é\"}]")]
    [InlineData("""{"every":"30s","class":"A","queue":"q","args":"only"}""", "[\"only\"]")]
    [InlineData("""{"every":"30s","class":"A","queue":"q","args":null}""", "[]")]
    [InlineData("""{"every":"30s","class":"A","queue":"q"}""", "[]")]
    public void Args_become_the_job_arguments_as_resque_scheduler_enqueues_them(string config, string args) =>
        Assert.Equal(args, Parse(config)!.ArgsJson);

    [Fact]
    public void Class_defaults_to_the_name_cron_wins_over_every_and_rufus_every_options_are_dropped()
    {
        Assert.Equal("entry", Parse("""{"every":"1m","queue":"q"}""")!.Class);
        Assert.IsType<CronRecurrence>(Parse("""{"cron":"0 3 * * *","every":"1m","queue":"q"}""")!.Recurrence);
        var every = Assert.IsType<EveryRecurrence>(Parse("""{"every":["10m",{"first_in":"1m"}],"class":"A","queue":"q"}""")!.Recurrence);
        Assert.Equal(TimeSpan.FromMinutes(10), every.Interval);
        Assert.True(Parse("""{"every":"1m","queue":"q"}""")!.FromRuby);
    }

    [Fact]
    public void A_cron_without_a_zone_is_read_in_the_hosts_zone_as_a_ruby_scheduler_here_would()
    {
        var unzoned = RubySchedules.Parse("n", """{"cron":"0 3 * * *","class":"N","queue":"q"}""", Berlin, null, out _)!;
        Assert.Equal(DateTimeOffset.Parse("2026-12-02T02:00:00Z", System.Globalization.CultureInfo.InvariantCulture), unzoned.Recurrence.Next(T0));
        var zoned = RubySchedules.Parse("n", """{"cron":"0 3 * * * America/New_York","class":"N","queue":"q"}""", Berlin, null, out _)!;
        Assert.Equal(DateTimeOffset.Parse("2026-12-02T08:00:00Z", System.Globalization.CultureInfo.InvariantCulture), zoned.Recurrence.Next(T0));
    }

    [Fact]
    public void An_entry_limited_by_rails_env_fires_only_in_an_environment_it_lists()
    {
        const string config = """{"every":"1m","class":"A","queue":"q","rails_env":"production, staging"}""";
        Assert.NotNull(Parse(config, "staging"));
        Assert.Null(Parse(config, "development"));
        Assert.Null(Parse(config, null));
        Assert.Null(Problem(config)); // not a problem: meant for elsewhere
    }

    [Theory]
    [InlineData("""{"every":"1m","class":"A"}""", "has no queue")]
    [InlineData("""{"class":"A","queue":"q"}""", "neither cron nor every")]
    [InlineData("""{"cron":"61 * * * *","class":"A","queue":"q"}""", "is not a cron expression")]
    [InlineData("""{"every":"often","class":"A","queue":"q"}""", "often")]
    [InlineData("""not json""", "not JSON")]
    [InlineData("""[1]""", "not a JSON object")]
    public void An_entry_pool_cannot_fire_says_why(string config, string problem)
    {
        Assert.Null(Parse(config));
        Assert.Contains(problem, Problem(config), StringComparison.Ordinal);
    }

    private RecurringScheduler Leader(IReadOnlyList<ScheduleEntry> poolYml)
    {
        var store = new RecurringStore(Db, SKeys);
        var scheduler = new RecurringScheduler(store, SKeys.MasterLock(), "a:1", TimeSpan.FromSeconds(5), Serilog.Core.Logger.None,
            new RubyScheduleWatch(store, TimeZoneInfo.Utc, "production", Serilog.Core.Logger.None));
        scheduler.Use(poolYml);
        return scheduler;
    }

    private async Task<string[]> QueueAsync(string queue) => (await Db.ListRangeAsync(Keys.Queue(queue))).Select(v => (string)v!).ToArray();

    [Fact]
    public async Task The_leader_fires_a_ruby_entry_once_per_occurrence_and_stops_when_ruby_removes_it()
    {
        await Db.StringSetAsync(SKeys.MasterLock(), "a:1");
        await Db.HashSetAsync(SKeys.PersistentSchedules, "ruby_sync", """{"every":"30s","class":"RubySync","queue":"ruby","args":{"full":true}}""");
        var leader = Leader([]);

        await leader.FireDueAsync(T0);
        await leader.FireDueAsync(T0.AddSeconds(1));

        Assert.Equal(["""{"class":"RubySync","args":[{"full":true}]}"""], await QueueAsync("ruby"));
        Assert.Equal("ruby_sync", Assert.Single(leader.RubyEntries).Name);
        // resque-web's Last Enqueued, as a Ruby scheduler writes it.
        Assert.Equal("2026-12-01 12:00:30 +0000", (string?)await Db.HashGetAsync(SKeys.LastEnqueuedAt, "ruby_sync"));

        await leader.FireDueAsync(T0.AddSeconds(30));
        Assert.Equal(2, (await QueueAsync("ruby")).Length);

        // Resque.remove_schedule: gone within one read (every 5 s).
        await Db.HashDeleteAsync(SKeys.PersistentSchedules, "ruby_sync");
        await leader.FireDueAsync(T0.AddSeconds(60));
        Assert.Equal(2, (await QueueAsync("ruby")).Length);
        Assert.Empty(leader.RubyEntries);
    }

    [Fact]
    public async Task Pool_yml_entries_and_what_pool_wrote_are_not_fired_again_as_rubys_and_a_follower_fires_nothing()
    {
        var poolYml = ConfigLoaderTests.Parse("default: 1\nschedule:\n  heartbeat:\n    every: 30s\n    queue: ops\n").Schedule;
        // Ruby's entry of the same name is replaced by pool.yml's (the existing rule); another Ruby entry is fired.
        await Db.HashSetAsync(SKeys.PersistentSchedules, "heartbeat", """{"every":"1m","class":"Other","queue":"ruby"}""");
        await Db.HashSetAsync(SKeys.PersistentSchedules, "cleanup", """{"every":"30s","class":"Cleanup","queue":"ruby"}""");
        await Db.StringSetAsync(SKeys.MasterLock(), "b:2");

        await Leader(poolYml).FireDueAsync(T0);
        Assert.Empty(await QueueAsync("ruby"));

        await Db.StringSetAsync(SKeys.MasterLock(), "a:1");
        var leader = Leader(poolYml);
        await leader.FireDueAsync(T0);

        Assert.Equal(["cleanup"], leader.RubyEntries.Select(e => e.Name));
        Assert.Equal(["""{"class":"Cleanup","args":[]}"""], await QueueAsync("ruby"));
        Assert.Equal(["""{"class":"heartbeat","args":[]}"""], await QueueAsync("ops"));
    }

    [Fact]
    public async Task A_persistent_schedules_key_of_another_type_leaves_pool_yml_entries_firing()
    {
        var poolYml = ConfigLoaderTests.Parse("default: 1\nschedule:\n  heartbeat:\n    every: 30s\n    queue: ops\n").Schedule;
        await Db.StringSetAsync(SKeys.MasterLock(), "a:1");
        await Db.StringSetAsync(SKeys.PersistentSchedules, "not a hash");
        var leader = Leader(poolYml);

        await leader.FireDueAsync(T0);

        Assert.Single(await QueueAsync("ops"));
        Assert.Empty(leader.RubyEntries);
    }
}
