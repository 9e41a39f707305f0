using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>A real worker whose QUEUES is a Resque 2 pattern: it takes from the queues it matches, however they were filled.</summary>
[Collection(RedisCollection.Name)]
public sealed class QueuePatternWorkerTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();

    [Fact(Timeout = 30_000)]
    public async Task A_worker_of_a_pattern_runs_jobs_of_matching_queues_from_a_Pool_enqueue_and_a_Ruby_push()
    {
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q*");
        var producer = new Producer(redis.Server.Connection, _s.Namespace);

        await producer.EnqueueAsync("qa", "Record", _s.File, "from-pool");
        await Wait.UntilAsync(() => _s.Lines().Contains("from-pool"), TimeSpan.FromSeconds(5), "the Pool-enqueued job of a matching queue to run");

        // A Ruby producer: RPUSH and SADD, no wake token; the idle worker finds it by its poll.
        await redis.Server.Db.SetAddAsync(_s.Keys.Queues, "qb");
        await redis.Server.Db.ListRightPushAsync(_s.Keys.Queue("qb"), $$"""{"class":"Record","args":[{{Pool.Protocol.Payloads.ResqueJson.Quote(_s.File)}},"from-ruby"]}""");
        await producer.EnqueueAsync("other", "Record", _s.File, "not-mine");
        await Wait.UntilAsync(() => _s.Lines().Contains("from-ruby"), TimeSpan.FromSeconds(5), "the pushed job of a matching queue to run");

        Assert.DoesNotContain("not-mine", _s.Lines());
        Assert.Equal(1, await redis.Server.Db.ListLengthAsync(_s.Keys.Queue("other")));
    }

    public void Dispose() => _s.Dispose();
}
