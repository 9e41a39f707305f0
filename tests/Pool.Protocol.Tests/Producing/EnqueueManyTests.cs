using Pool.Protocol.Keys;
using Pool.Protocol.Producing;
using Pool.Testing;

namespace Pool.Protocol.Tests.Producing;

[Collection(RedisCollection.Name)]
public sealed class EnqueueManyTests(RedisFixture redis)
{
    private readonly string _ns = RedisServer.NewNamespace();
    private ResqueKeys Keys => new(_ns);

    [Fact]
    public async Task Enqueue_many_pushes_every_payload_in_order_across_chunks_with_bounded_wake_tokens()
    {
        var producer = new Producer(redis.Server.Connection, _ns);
        var payloads = Enumerable.Range(0, Producer.ManyChunk * 2 + 7).Select(i => $$"""{"class":"Record","args":["/tmp/x","{{i}}"]}""").ToList();

        var length = await producer.EnqueueManyRawAsync("bulk", payloads);

        var db = redis.Server.Db;
        Assert.Equal(payloads.Count, length);
        Assert.Equal(payloads, (await db.ListRangeAsync(Keys.Queue("bulk"))).Select(v => (string)v!));
        Assert.True(await db.SetContainsAsync(Keys.Queues, "bulk"));
        Assert.Equal(100, await db.ListLengthAsync(Keys.Wake("bulk")));
        Assert.Equal(100, await db.ListLengthAsync(Keys.WakeAny));
    }

    [Fact]
    public async Task Enqueue_many_of_a_few_jobs_leaves_one_wake_token_per_job()
    {
        var producer = new Producer(redis.Server.Connection, _ns);

        await producer.EnqueueManyRawAsync("few", ["""{"class":"Noop","args":[]}""", """{"class":"Noop","args":[]}"""]);

        Assert.Equal(2, await redis.Server.Db.ListLengthAsync(Keys.Wake("few")));
        Assert.Equal(0, await producer.EnqueueManyRawAsync("few", []));
    }
}
