using Pool.Master.Config;
using Pool.Master.Scheduling;

namespace Pool.Master.Tests.Config;

public sealed class ScheduleConfigTests
{
    private const string Groups = "default: 1\n";

    [Fact]
    public void Reads_resque_scheduler_fields_with_cron_every_time_zones_and_typed_args()
    {
        var schedule = ConfigLoaderTests.Parse(Groups + """
            schedule:
              nightly:
                cron: "0 3 * * * Europe/Berlin"
                class: Nightly
                queue: low
                args: [1, 2.5, "3", true, ~, "a/b", {k: v}]
                description: the nightly report
              Heartbeat:
                every: 30s
                queue: ops
                missed: once
              precise:
                cron: "15 0 12 * * *"
                queue: q
                args: only
            """).Schedule;

        Assert.Equal(["nightly", "Heartbeat", "precise"], schedule.Select(e => e.Name));
        var nightly = schedule[0];
        Assert.Equal("Europe/Berlin", Assert.IsType<CronRecurrence>(nightly.Recurrence).Zone.Id);
        Assert.Equal("""[1,2.5,"3",true,null,"a/b",{"k":"v"}]""", nightly.ArgsJson);
        Assert.Equal("""{"class":"Nightly","args":[1,2.5,"3",true,null,"a/b",{"k":"v"}]}""", nightly.Payload);
        Assert.Equal(MissedPolicy.Skip, nightly.Missed);
        Assert.Equal("Heartbeat", schedule[1].Class);
        Assert.Equal(MissedPolicy.Once, schedule[1].Missed);
        Assert.Equal(TimeSpan.FromSeconds(30), Assert.IsType<EveryRecurrence>(schedule[1].Recurrence).Interval);
        Assert.Equal("""["only"]""", schedule[2].ArgsJson);
        Assert.Equal(["default"], ConfigLoaderTests.Parse(Groups + "schedule:\n  x:\n    every: 1m\n    queue: q\n").Groups.Select(g => g.QueueList));
    }

    [Theory]
    [InlineData("    args:\n")]
    [InlineData("    args: ~\n")]
    [InlineData("    args: null\n")]
    public void Empty_or_null_args_are_no_arguments_as_resque_schedulers_Array_args(string args)
    {
        // Before: [null], so every run of a job without parameters failed as Pool::ArgumentError,
        // where Ruby's scheduler enqueued Array(nil), that is [].
        var entry = ConfigLoaderTests.Parse(Groups + "schedule:\n  cleanup:\n    every: 1h\n    class: Cleanup\n    queue: low\n" + args).Schedule.Single();
        Assert.Equal("[]", entry.ArgsJson);
        Assert.Equal("""{"class":"Cleanup","args":[]}""", entry.Payload);
        Assert.Equal("""{"every":"1h","class":"Cleanup","queue":"low"}""", entry.RubyConfig);
    }

    [Fact]
    public void A_schedule_queue_with_a_worker_count_is_still_a_group_as_in_resque_pool() =>
        Assert.Equal(["schedule"], ConfigLoaderTests.Parse("schedule: 2\n").Groups.Select(g => g.QueueList));

    [Theory]
    [InlineData("schedule:\n  x:\n    cron: \"61 * * * *\"\n    queue: q\n", 3, "schedule.x.cron", "not a cron expression")]
    [InlineData("schedule:\n  x:\n    cron: \"* * *\"\n    queue: q\n", 3, "schedule.x.cron", "has 3 fields")]
    [InlineData("schedule:\n  x:\n    cron: 5\n    queue: q\n", 3, "schedule.x.cron", "'5' has 1 field; cron takes 5")]
    [InlineData("schedule:\n  x:\n    cron: \"0 3 * * * Mars/Olympus\"\n    queue: q\n", 3, "schedule.x.cron", "time zone 'Mars/Olympus' does not exist")]
    [InlineData("schedule:\n  x:\n    every: soon\n    queue: q\n", 3, "schedule.x.every", "not an interval")]
    [InlineData("schedule:\n  x:\n    every: 99999999999d\n    queue: q\n", 3, "schedule.x.every", "'99999999999d' is too large: at most 366 days (366d)")]
    [InlineData("schedule:\n  x:\n    cron: \"* * * * *\"\n    every: 5m\n    queue: q\n", 2, "schedule.x", "exactly one of cron")]
    [InlineData("schedule:\n  x:\n    every: 5m\n", 2, "schedule.x", "has no queue")]
    [InlineData("schedule:\n  x:\n    every: 5m\n    queue: bad queue\n", 4, "schedule.x.queue", "no worker could list it")]
    [InlineData("schedule:\n  x:\n    every: 5m\n    queue: [a, b]\n", 4, "schedule.x.queue", "takes one value, not a list")]
    [InlineData("schedule:\n  x:\n    every: [30s, {first_in: 120s}]\n    queue: q\n", 3, "schedule.x.every", "rufus options in a list")]
    [InlineData("schedule:\n  x:\n    every: 5m\n    queue: q\n    colour: red\n", 5, "schedule.x.colour", "unknown field")]
    [InlineData("schedule:\n  x:\n    every: 5m\n    queue: q\n    missed: all\n", 5, "schedule.x.missed", "not a policy")]
    [InlineData("schedule:\n  x: 5\n", 2, "schedule.x", "is a mapping")]
    public void Bad_entries_name_the_line_and_key(string yaml, int line, string key, string problem)
    {
        var error = ConfigLoaderTests.Fails(Groups + yaml);

        Assert.Equal(line + 1, error.Line);
        Assert.Equal(key, error.Key);
        Assert.Contains(problem, error.Message);
    }
}
