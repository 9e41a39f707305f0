using Microsoft.Extensions.Time.Testing;
using Pool.Master.Capacity;
using Pool.Protocol.Keys;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Master.Tests.Capacity;

/// <summary>The probe against a real Redis, with the jobs pushed and taken the way Resque producers and workers do it; only the clock is fake.</summary>
public sealed class QueueProbeTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private readonly ResqueKeys _keys = new(RedisServer.NewNamespace("probe"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private IDatabase Db => redis.Server.Db;

    private async Task Push(string queue, params string[] jobs)
    {
        await Db.SetAddAsync(_keys.Queues, queue);
        foreach (var job in jobs) await Db.ListRightPushAsync(_keys.Queue(queue), job);
    }

    [Fact]
    public async Task A_backlog_from_a_producer_without_timestamps_ages_with_its_oldest_job()
    {
        var probe = new QueueProbe(Db, _keys, _time);
        var group = new GroupProbe("a,b", ["a", "b"], []);
        await Push("a", """{"class":"X","args":[1]}""", """{"class":"X","args":[2]}""", """{"class":"X","args":[3]}""");

        var (first, _) = await probe.SampleAsync([group]);
        Assert.Equal(new GroupLoad(3, TimeSpan.Zero, 0), first["a,b"]);

        _time.Advance(TimeSpan.FromSeconds(4));
        await Db.ListLeftPopAsync(_keys.Queue("a"));
        await Push("a", """{"class":"X","args":[4]}""");
        await Push("b", """{"class":"Y","args":[]}""");
        var (second, _) = await probe.SampleAsync([group]);
        // Job 2 is at the head now; it was there at the first sample, 4 s ago. Queue b's job is new.
        Assert.Equal(new GroupLoad(4, TimeSpan.FromSeconds(4), 0), second["a,b"]);
    }

    [Fact]
    public async Task Paused_queues_count_as_empty_and_star_groups_read_every_queue()
    {
        var probe = new QueueProbe(Db, _keys, _time);
        await Push("c", "{}", "{}");
        await Push("d", "{}");
        await Db.SetAddAsync(_keys.PausedQueues, "c");

        var (loads, _) = await probe.SampleAsync([new GroupProbe("*", ["*"], [])]);

        Assert.Equal(1, loads["*"].Waiting);
    }

    [Fact]
    public async Task Busy_means_a_pool_reservation_or_resques_working_on_record()
    {
        var probe = new QueueProbe(Db, _keys, _time);
        await Db.StringSetAsync(_keys.InFlight("h:1:q"), "x");
        await Db.StringSetAsync(_keys.Worker("h:2:q"), "x");

        var (loads, busy) = await probe.SampleAsync([new GroupProbe("q", ["q"], [["h:1:q"], ["h:2:q"], ["h:3:q"]])]);

        Assert.Equal(2, loads["q"].Busy);
        Assert.Equal(["h:1:q", "h:2:q"], busy.Order());
        Assert.Null(loads["q"].OldestAge);
    }

    [Fact]
    public async Task A_worker_process_whose_only_busy_lane_is_not_its_first_counts_as_busy_once()
    {
        var probe = new QueueProbe(Db, _keys, _time);
        // concurrency: 3, two processes: 7's lanes 1 and 2 run jobs, lane 0 waits; 8 is idle.
        await Db.StringSetAsync(_keys.InFlight("h~1:7:q"), "x");
        await Db.StringSetAsync(_keys.InFlight("h~2:7:q"), "x");

        var (loads, busy) = await probe.SampleAsync([new GroupProbe("q", ["q"], [["h:7:q", "h~1:7:q", "h~2:7:q"], ["h:8:q", "h~1:8:q", "h~2:8:q"]])]);

        Assert.Equal(1, loads["q"].Busy);
        Assert.Equal(["h~1:7:q", "h~2:7:q"], busy.Order());
    }
}
