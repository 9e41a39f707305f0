using Mono.Unix.Native;
using Pool.Master.Tests.Ops;
using Pool.Protocol.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>A recurring schedule in real masters: fired once per occurrence by the leader only, reloaded by HUP, listed and run by the CLI.</summary>
public sealed class ScheduleProcessTests(RedisFixture redis) : OpsTest(redis, "schedproc"), IDisposable
{
    private readonly List<PoolMasterProcess> _masters = [];
    private readonly string _dir = Directory.CreateTempSubdirectory("pool-sched").FullName;
    private SchedulerKeys SKeys => new(Ns);

    private static readonly Dictionary<string, string?> Fast = new() { ["POOL_SCHEDULER_LEASE"] = "3", ["POOL_SCHEDULER_POLL"] = "0.5" };

    private PoolMasterProcess Start(string yaml)
    {
        var master = PoolMasterProcess.Start(Redis.Server.Url, Ns, yaml, Fast);
        _masters.Add(master);
        return master;
    }

    /// <summary>The pool.yml a master was started with, from its start line ("... from PATH (environment ...").</summary>
    private static string ConfigOf(PoolMasterProcess master) =>
        master.Process.WaitForLine("supervising").Split(" from ")[1].Split(" (environment")[0];

    private async Task<long> LastFireAsync(string name) => (long?)await Db.HashGetAsync(SKeys.LastFire, name) ?? 0;

    [Fact(Timeout = 90_000)]
    public async Task Two_masters_fire_each_occurrence_once_and_a_hup_adds_an_entry()
    {
        const string yaml = "q: 0\nschedule:\n  tick:\n    every: 1s\n    class: Noop\n    queue: ticks\n";
        var a = Start(yaml);
        Start(yaml);
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("ticks")) >= 2, TimeSpan.FromSeconds(15), "the schedule to fire twice");

        var firstFire = await LastFireAsync("tick");
        var before = await Db.ListLengthAsync(Keys.Queue("ticks"));
        await Wait.UntilAsync(async () => await LastFireAsync("tick") >= firstFire + 3, TimeSpan.FromSeconds(10), "three more occurrences");
        var lastFire = await LastFireAsync("tick");
        // One job per occurrence between the two looks: not one per master.
        Assert.Equal(lastFire - firstFire, await Db.ListLengthAsync(Keys.Queue("ticks")) - before);

        // resque-web's Schedule tab lists the entry: the leader wrote it where Ruby's set_schedule does.
        const string tickConfig = """{"every":"1s","class":"Noop","queue":"ticks"}""";
        Assert.Equal(tickConfig, (string?)await Db.HashGetAsync(SKeys.PersistentSchedules, "tick"));

        // Each master has its own copy of pool.yml; whichever leads must see the new entry.
        foreach (var m in _masters) File.WriteAllText(ConfigOf(m), yaml + "  tock:\n    every: 1s\n    class: Noop\n    queue: tocks\n");
        foreach (var m in _masters) m.Process.Signal(Signum.SIGHUP);
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("tocks")) >= 1, TimeSpan.FromSeconds(15), $"the entry added by HUP to fire. Output:\n{string.Join("\n---\n", _masters.Select(m => m.Process.Output))}");
        Assert.Equal(tickConfig.Replace("tick", "tock"), (string?)await Db.HashGetAsync(SKeys.PersistentSchedules, "tock"));
        Assert.Equal(tickConfig, (string?)await Db.HashGetAsync(SKeys.PersistentSchedules, "tick"));
    }

    /// <summary>
    /// A Ruby app's Resque.set_schedule (persisted, the default) while a real master leads: the
    /// entry fires within its read interval, once per occurrence, and stops after remove_schedule.
    /// </summary>
    [Fact(Timeout = 60_000)]
    public async Task A_ruby_apps_dynamic_schedule_fires_while_pool_leads_and_stops_when_removed()
    {
        var master = Start("q: 0\n");
        await Db.HashSetAsync(SKeys.PersistentSchedules, "ruby_tick", """{"every":"1s","class":"RubyTick","queue":"rubyticks","args":[1]}""");
        await Db.SetAddAsync(SKeys.SchedulesChanged, "ruby_tick");
        master.Process.WaitForLine("schedule ruby_tick: firing the entry a Ruby app keeps in persistent_schedules", TimeSpan.FromSeconds(15));
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("rubyticks")) >= 2, TimeSpan.FromSeconds(15), "the Ruby entry to fire twice");
        Assert.All(await Db.ListRangeAsync(Keys.Queue("rubyticks")), v => Assert.Equal("""{"class":"RubyTick","args":[1]}""", (string?)v));
        var list = Cli.Run("schedule", "list", "-c", ConfigOf(master));
        Assert.Equal(0, list.Code);
        Assert.Matches(@"ruby_tick \(Ruby's\)\s+every 1s\s+rubyticks\s+RubyTick\s+\[1\]", list.Output);

        await Db.HashDeleteAsync(SKeys.PersistentSchedules, "ruby_tick");
        master.Process.WaitForLine("schedule ruby_tick: no longer fired from persistent_schedules", TimeSpan.FromSeconds(15));
        var after = await Db.ListLengthAsync(Keys.Queue("rubyticks"));
        await Wait.HoldsForAsync(TimeSpan.FromSeconds(2.5), async () => await Db.ListLengthAsync(Keys.Queue("rubyticks")) == after, "no more occurrences after remove_schedule");
    }

    [Fact(Timeout = 60_000)]
    public async Task Schedule_list_shows_next_and_last_runs_and_schedule_run_fires_one_now()
    {
        var config = Path.Combine(_dir, "pool.yml");
        File.WriteAllText(config, "q: 0\nschedule:\n  nightly:\n    cron: \"0 3 * * * Europe/Berlin\"\n    class: Nightly\n    queue: low\n    args: [7]\n");

        var run = Cli.Run("schedule", "run", "nightly", "-c", config);
        Assert.Equal(0, run.Code);
        Assert.Equal(["""{"class":"Nightly","args":[7]}"""], (await Db.ListRangeAsync(Keys.Queue("low"))).Select(v => (string)v!));

        var list = Cli.Run("schedule", "list", "-c", config);
        Assert.Equal(0, list.Code);
        Assert.Matches(@"nightly\s+cron 0 3 \* \* \* \(Europe/Berlin\)\s+low\s+Nightly\s+\[7\]\s+\d{4}-\d\d-\d\dT0[12]:00:00Z\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s+skip", list.Output);

        // A Ruby scheduler writes Last Enqueued in its host's zone; LAST shows it as NEXT does, in UTC.
        await Db.HashSetAsync(SKeys.LastEnqueuedAt, "nightly", "2026-01-15 16:28:07 -0500");
        Assert.Matches(@"\[7\]\s+\d{4}-\d\d-\d\dT0[12]:00:00Z\s+2026-01-15T21:28:07Z\s+skip", Cli.Run("schedule", "list", "-c", config).Output);

        var unknown = Cli.Run("schedule", "run", "weekly", "-c", config);
        Assert.Equal(1, unknown.Code);
        Assert.Contains("no schedule entry named 'weekly'; entries: nightly", unknown.Output);
    }

    [Fact(Timeout = 60_000)]
    public async Task A_delayed_schedule_left_as_a_string_holds_delayed_jobs_with_one_warning_while_recurring_entries_go_on()
    {
        // Another app's string where resque-scheduler keeps its delayed schedule: before, every
        // scheduler pass failed, so recurring entries stopped too and their occurrences were skipped.
        await Db.StringSetAsync(SKeys.Schedule, "oops");
        var master = Start("q: 0\nschedule:\n  tick:\n    every: 1s\n    class: Noop\n    queue: ticks\n");
        master.Process.WaitForLine("holds a string, not a sorted set (the delayed schedule)");
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("ticks")) >= 3, TimeSpan.FromSeconds(15), "the recurring entry to go on firing");
        Assert.Equal(1, master.Process.CountLines("not a sorted set"));
        Assert.Equal(0, master.Process.CountLines("pass failed"));

        // Fixed: a delayed job due now moves at once.
        await Db.KeyDeleteAsync(SKeys.Schedule);
        await new DelayedQueue(Db, SKeys).EnqueueInAsync(TimeSpan.Zero, "later", "Noop");
        master.Process.WaitForLine("is a delayed schedule again");
        await Wait.UntilAsync(async () => await Db.ListLengthAsync(Keys.Queue("later")) == 1, TimeSpan.FromSeconds(10), "the delayed job to move once the key is fixed");
    }

    public void Dispose()
    {
        foreach (var m in _masters) m.Dispose();
        try { Directory.Delete(_dir, recursive: true); }
        catch (IOException) { }
    }
}
