using Pool.Protocol.Admin;
using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Protocol.Working;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Admin;

public sealed class PoolStatusReaderTests(RedisFixture redis) : NamespacedTest(redis)
{

    /// <summary>Another app's stray keys of the wrong type used to fail `status` as a whole with WRONGTYPE.</summary>
    [Fact]
    public async Task Keys_of_the_wrong_type_read_as_empty_instead_of_failing_the_status()
    {
        await new Producer(Redis.Server.Connection, Ns).EnqueueAsync("mail", "Send", "a");
        await Db.SetAddAsync(Keys.Queues, "stray");
        await Db.StringSetAsync(Keys.Queue("stray"), "not a list");
        await Db.HashSetAsync(Keys.StatProcessed, "a", "1");
        await Db.SetAddAsync(Keys.Failed, "not a list");
        await Db.HashSetAsync(Keys.Worker("ruby:1:mail"), "a", "1");
        await Db.SetAddAsync(Keys.Workers, "ruby:1:mail");

        var status = await new PoolStatusReader(Db, Keys).ReadAsync();

        Assert.Equal([new QueueStatus("mail", 1, false), new QueueStatus("stray", 0, false)], status.Queues);
        Assert.Equal((0, 0), (status.Processed, status.FailedListLength));
        Assert.Null(Assert.Single(status.Workers).Job);

        // The delayed schedule (a sorted set) as a string: the scheduler's part of status reads as empty.
        var scheduler = new Pool.Protocol.Scheduling.SchedulerKeys(Keys);
        await Db.StringSetAsync(scheduler.Schedule, "not a sorted set");
        var delayed = await new Pool.Protocol.Scheduling.SchedulerStatusReader(Db, scheduler).ReadAsync();
        Assert.Equal((0, 0, 0), (delayed.DelayedJobs, delayed.DelayedSeconds, delayed.DueJobs));
    }

    [Fact]
    public async Task Status_shows_queues_pool_and_foreign_workers_with_their_jobs_pause_state_and_totals()
    {
        var producer = new Producer(Redis.Server.Connection, Ns);
        await producer.EnqueueAsync("mail", "Send", "a");
        await producer.EnqueueAsync("mail", "Send", "b");
        await producer.EnqueueAsync("zip", "Zip");
        var pool = new WorkerStore(Db, Keys, "web-1:42:mail", ["mail"]);
        await pool.RegisterAsync();
        await pool.ReserveAsync(null);
        await Db.SetAddAsync(Keys.Workers, "ruby-host:7:zip,mail");
        await Db.StringSetAsync(Keys.StatProcessed, 10);
        await Db.StringSetAsync(Keys.StatFailed, 3);
        await Db.ListRightPushAsync(Keys.Failed, "{}");
        await new PauseControl(Db, Keys).PauseQueuesAsync(["zip"]);

        var status = await new PoolStatusReader(Db, Keys).ReadAsync();

        Assert.Equal([new QueueStatus("mail", 1, false), new QueueStatus("zip", 1, true)], status.Queues);
        Assert.False(status.Pause.All);
        Assert.Equal(["zip"], status.Pause.Queues);
        Assert.Equal((10, 3, 1), (status.Processed, status.Failed, status.FailedListLength));
        var (ruby, mine) = (status.Workers[0], status.Workers[1]);
        Assert.Equal(("ruby-host", 7, "zip,mail", false, null), (ruby.Host, ruby.Pid, ruby.Queues, ruby.Pool, ruby.Job));
        Assert.Equal(("web-1", 42, "mail", true, true), (mine.Host, mine.Pid, mine.Queues, mine.Pool, mine.LeaseAlive));
        Assert.Equal(("mail", "Send", """["a"]"""), (mine.Job!.Queue, mine.Job.Class, mine.Job.Args));
        Assert.InRange(mine.Job.RunFor!.Value, TimeSpan.FromSeconds(-2), TimeSpan.FromSeconds(30));
    }

    [Theory]
    [InlineData("host:12:a,b", "host", 12, "a,b")]
    [InlineData("fe80::1:12:a", "fe80::1", 12, "a")]
    [InlineData("weird", "weird", null, "")]
    public void Worker_ids_split_into_host_pid_and_queues(string id, string host, int? pid, string queues) =>
        Assert.Equal((host, pid, queues), WorkerIdentity.Parse(id));
}
