using Pool.Master.Config;
using Pool.Master.Scheduling;
using Pool.Master.Tests.Config;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>
/// pool.yml's recurring entries in resque-scheduler's persistent_schedules, where resque-web's
/// Schedule tab reads them (Resque.schedule merges that hash in), against a real Redis.
/// </summary>
public sealed class SchedulePublishTests(RedisFixture redis) : OpsTest(redis, "publish")
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.Parse("2026-12-01T12:00:30Z", System.Globalization.CultureInfo.InvariantCulture);
    private SchedulerKeys SKeys => new(Ns);

    private const string Yaml = """
        default: 1
        schedule:
          nightly_report:
            cron: "0 3 * * * Europe/Berlin"
            class: NightlyReport
            queue: low
            args: [7, "full", 1.5, {to: "ops/é"}]
            description: the nightly report → /tmp <b>
          heartbeat:
            every: 30s
            queue: ops
          utc:
            cron: "15 0 12 * * *"
            class: Noon
            queue: q
            args: only
        """;

    /// <summary>
    /// What resque-scheduler 5's Resque.set_schedule(name, config) stores for these configs: its
    /// encode is JSON.generate (compact; "/", "<", non-ASCII unescaped). The bytes were printed by
    /// ruby 3.1.2's JSON.generate of the same hashes, keys in Pool's order.
    /// </summary>
    private static readonly Dictionary<string, string> RubyWrites = new()
    {
        ["nightly_report"] = """{"cron":"0 3 * * * Europe/Berlin","class":"NightlyReport","queue":"low","args":[7,"full",1.5,{"to":"ops/é"}],"description":"the nightly report → /tmp <b>"}""",
        ["heartbeat"] = """{"every":"30s","class":"heartbeat","queue":"ops"}""",
        ["utc"] = """{"cron":"15 0 12 * * * UTC","class":"Noon","queue":"q","args":["only"]}""",
    };

    private RecurringScheduler Master(string value, IReadOnlyList<ScheduleEntry> entries)
    {
        var scheduler = new RecurringScheduler(new RecurringStore(Db, SKeys), SKeys.MasterLock(), value, TimeSpan.FromSeconds(5), Serilog.Core.Logger.None);
        scheduler.Use(entries);
        return scheduler;
    }

    private async Task<Dictionary<string, string>> PersistentAsync() =>
        (await Db.HashGetAllAsync(SKeys.PersistentSchedules)).ToDictionary(e => (string)e.Name!, e => (string)e.Value!);

    private async Task<string[]> ChangedAsync() =>
        (await Db.SetMembersAsync(SKeys.SchedulesChanged)).Select(v => (string)v!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Each_entry_is_the_json_rubys_set_schedule_writes_with_the_zone_in_the_cron_and_absent_fields_left_out()
    {
        var schedule = ConfigLoaderTests.Parse(Yaml).Schedule;

        Assert.Equal(RubyWrites, schedule.ToDictionary(e => e.Name, e => e.RubyConfig));
    }

    [Fact]
    public async Task The_leader_writes_its_entries_byte_for_byte_where_resque_web_reads_them_and_a_follower_writes_nothing()
    {
        var schedule = ConfigLoaderTests.Parse(Yaml).Schedule;
        await Db.StringSetAsync(SKeys.MasterLock(), "b:2");
        await Master("a:1", schedule).FireDueAsync(T0);
        Assert.Empty(await PersistentAsync());

        await Master("b:2", schedule).FireDueAsync(T0);

        Assert.Equal(RubyWrites, await PersistentAsync());
        Assert.Equal(["heartbeat", "nightly_report", "utc"], await ChangedAsync());
        // Last Enqueued: the heartbeat's occurrence at 12:00:30 fired, in Ruby's Time#to_s.
        Assert.Equal("2026-12-01 12:00:30 +0000", (string?)await Db.HashGetAsync(SKeys.LastEnqueuedAt, "heartbeat"));
    }

    [Fact]
    public async Task A_reload_removes_only_what_pool_wrote_and_ruby_did_not_change_since()
    {
        var schedule = ConfigLoaderTests.Parse(Yaml).Schedule;
        await Db.StringSetAsync(SKeys.MasterLock(), "a:1");
        // A Ruby app's own dynamic schedule, which Pool never wrote.
        const string rubyOwn = """{"every":"1h","class":"RubyCleanup","queue":"ruby"}""";
        await Db.HashSetAsync(SKeys.PersistentSchedules, "ruby_cleanup", rubyOwn);
        var master = Master("a:1", schedule);
        await master.FireDueAsync(T0);
        // Ruby's set_schedule (or resque-web) changes one of Pool's entries: it is theirs now.
        const string rubyEdit = """{"every":"1m","class":"heartbeat","queue":"ops"}""";
        await Db.HashSetAsync(SKeys.PersistentSchedules, "heartbeat", rubyEdit);
        await Db.KeyDeleteAsync(SKeys.SchedulesChanged);

        // HUP: pool.yml now has only nightly_report, with a new time.
        var reloaded = ConfigLoaderTests.Parse(Yaml.Replace("0 3 * * *", "0 4 * * *")).Schedule.Where(e => e.Name == "nightly_report").ToList();
        master.Use(reloaded);
        await master.FireDueAsync(T0.AddSeconds(1));

        Assert.Equal(new Dictionary<string, string>
        {
            ["nightly_report"] = RubyWrites["nightly_report"].Replace("0 3 * * *", "0 4 * * *"),
            ["heartbeat"] = rubyEdit,
            ["ruby_cleanup"] = rubyOwn,
        }, await PersistentAsync());
        Assert.Equal(["nightly_report", "utc"], await ChangedAsync());
        Assert.Equal(["nightly_report"], (await Db.HashKeysAsync(SKeys.SchedulePublished)).Select(v => (string)v!));

        // An empty schedule takes Pool's last entry out too; Ruby's stay.
        master.Use([]);
        await master.FireDueAsync(T0.AddSeconds(2));
        Assert.Equal(["heartbeat", "ruby_cleanup"], (await PersistentAsync()).Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_pool_yml_entry_named_like_a_ruby_one_replaces_it_and_says_so()
    {
        await Db.StringSetAsync(SKeys.MasterLock(), "a:1");
        await Db.HashSetAsync(SKeys.PersistentSchedules, "heartbeat", """{"every":"1h","class":"Old","queue":"x"}""");
        var store = new RecurringStore(Db, SKeys);

        var first = await store.PublishAsync(SKeys.MasterLock(), "a:1", [("heartbeat", RubyWrites["heartbeat"])]);
        var again = await store.PublishAsync(SKeys.MasterLock(), "a:1", [("heartbeat", RubyWrites["heartbeat"])]);

        Assert.Equal(["heartbeat"], first!.Replaced);
        Assert.Equal(1, first.Written);
        // Republishing the same schedule (every new leadership does) changes nothing.
        Assert.Equal((0, 0), (again!.Written, again.Removed));
        Assert.Empty(again.Replaced);
        Assert.Equal(RubyWrites["heartbeat"], (string?)await Db.HashGetAsync(SKeys.PersistentSchedules, "heartbeat"));
        Assert.Null(await store.PublishAsync(SKeys.MasterLock(), "someone:else", []));
    }

    [Fact]
    public async Task A_persistent_schedules_key_of_the_wrong_type_is_reported_and_the_entries_still_fire()
    {
        await Db.StringSetAsync(SKeys.MasterLock(), "a:1");
        await Db.StringSetAsync(SKeys.PersistentSchedules, "not a hash");
        var master = Master("a:1", ConfigLoaderTests.Parse(Yaml).Schedule);

        await master.FireDueAsync(T0);

        Assert.Equal(["""{"class":"heartbeat","args":[]}"""], (await Db.ListRangeAsync(Keys.Queue("ops"))).Select(v => (string)v!));
        Assert.Equal("not a hash", (string?)await Db.StringGetAsync(SKeys.PersistentSchedules));
    }
}
