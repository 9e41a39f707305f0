using Pool.Protocol.Connection;
using Pool.Protocol.Retries;
using Pool.Protocol.Scheduling;
using Pool.Protocol.Working;
using Pool.Testing;
using StackExchange.Redis;

namespace Pool.Protocol.Tests.Scheduling;

/// <summary>
/// A Redis user without pub/sub (ACL -@pubsub): the scripts that schedule a delayed job PUBLISH a
/// wake-up after their writes. That refusal failed the script with the job already written, so
/// the caller saw an error and a retry stored the job twice (a found trial's repro).
/// </summary>
public sealed class NoPubSubUserTests(RedisFixture redis) : NamespacedTest(redis), IAsyncLifetime
{
    private SchedulerKeys SKeys => new(Ns);
    private ConnectionMultiplexer? _noPubSub;
    private IDatabase NoPubSubDb => _noPubSub!.GetDatabase();

    public async ValueTask InitializeAsync() =>
        _noPubSub = await ConnectionMultiplexer.ConnectAsync(RedisUrl.Parse(Redis.Server.UrlWithoutPubSub()));

    public async ValueTask DisposeAsync()
    {
        if (_noPubSub is not null) await _noPubSub.DisposeAsync();
    }

    [Fact]
    public async Task A_delayed_enqueue_succeeds_and_stores_the_job_exactly_once()
    {
        var job = await new DelayedQueue(NoPubSubDb, SKeys).EnqueueInAsync(TimeSpan.FromHours(1), "q", "Record", "/tmp/x.txt", "tag");

        Assert.Equal([job.Encoded], (await Db.ListRangeAsync(SKeys.Bucket(job.At))).Select(v => (string)v!));
        Assert.Equal(job.At, (long)Assert.Single(await Db.SortedSetRangeByRankWithScoresAsync(SKeys.Schedule)).Score);
    }

    [Fact]
    public async Task A_failed_job_s_delayed_retry_is_scheduled_once_and_the_failure_is_acknowledged()
    {
        var worker = new WorkerStore(NoPubSubDb, Keys, "h:1:q", ["q"]) { Retries = new RetryPlanner(RetryPolicy.Parse("3", "60"), _ => null) };
        await worker.RegisterAsync();
        await Producer.EnqueueAsync("q", "Flaky", "foo");
        var job = (await worker.ReserveAsync(null)).Job!;

        Assert.True(await worker.FailAsync(job, "System.InvalidOperationException", "flaky", []));

        Assert.Equal("Flaky", Assert.Single(await new DelayedQueue(Db, SKeys).ListAsync()).Job!.Class);
        Assert.False(await Db.KeyExistsAsync(Keys.InFlight("h:1:q")));
    }
}
