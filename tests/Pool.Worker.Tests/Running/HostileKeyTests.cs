using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// Redis answering with an error rather than going away: another app's stray key of the wrong
/// type, or Redis out of memory. The worker used to die of the error in the ack of a job that had
/// run, so the job ran again after each death, up to its poison limit.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class HostileKeyTests(RedisFixture redis) : IDisposable
{
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;

    [Fact(Timeout = 30_000)]
    public async Task A_queue_or_counter_key_of_the_wrong_type_is_set_aside_with_a_failed_entry_and_every_job_runs_once()
    {
        // A queue this worker takes from that holds a string, and Resque's counter as a hash.
        await Db.SetAddAsync(_s.Keys.Queues, "bad");
        await Db.StringSetAsync(_s.Keys.Queue("bad"), "not a list");
        await Db.HashSetAsync($"{_s.Namespace}:stat:processed", "a", "1");
        // And the failed list as a string, with a job that fails (Resque counts it as processed too).
        await Db.StringSetAsync(_s.Keys.Failed, "not a list");
        var producer = new Producer(redis.Server.Connection, _s.Namespace);
        foreach (var tag in new[] { "a", "b", "c" }) await producer.EnqueueAsync("q", "Record", _s.File, tag);
        await producer.EnqueueAsync("q", "Fail", "meant to fail");

        // No retries: the failing job goes to the failed list at once.
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "bad,q", new Dictionary<string, string?> { ["POOL_RETRIES"] = "0" });
        var processed = $"{_s.Namespace}:stat:processed";
        await Wait.UntilAsync(async () => await Db.KeyTypeAsync(processed) == RedisType.String && (string?)await Db.StringGetAsync(processed) == "4", TimeSpan.FromSeconds(15), "4 jobs settled");

        Assert.Equal(["a", "b", "c"], _s.Lines().Order());
        Assert.False(worker.Process.HasExited, "the worker died:\n" + worker.Process.Output);
        var failures = (await Db.ListRangeAsync(_s.Keys.Failed)).Select(v => (string)v!).ToList();
        Assert.Equal(4, failures.Count);
        Assert.Equal(3, failures.Count(f => f.Contains("\"exception\":\"Pool::BadKey\"", StringComparison.Ordinal)));
        Assert.Single(failures, f => f.Contains("meant to fail", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"the key {_s.Namespace}:failed held a string, not a list (the failed list)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"the key {_s.Namespace}:queue:bad held a string, not a list (a queue)", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.Contains($"the key {_s.Namespace}:stat:processed held a hash, not a counter", StringComparison.Ordinal));
        Assert.Equal("not a list", (string?)await Db.StringGetAsync($"{_s.Namespace}:pool:bad-key:queue:bad"));
        Assert.Equal("not a list", (string?)await Db.StringGetAsync($"{_s.Namespace}:pool:bad-key:failed"));
        Assert.Equal(RedisType.Hash, await Db.KeyTypeAsync($"{_s.Namespace}:pool:bad-key:stat:processed"));

        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
    }

    public void Dispose() => _s.Dispose();
}

/// <summary>Redis out of memory (maxmemory with noeviction) refuses the ack of a job that ran: retried, not a crash and a re-run.</summary>
public sealed class RedisRefusalTests() : PrivateRedisTest
{
    [Fact(Timeout = 40_000)]
    public async Task An_ack_refused_for_memory_is_retried_until_redis_takes_it_and_the_job_runs_once()
    {
        await new Producer(Redis.Connection, S.Namespace).EnqueueAsync("q", "RecordSpan", S.File, "once", 1500);
        using var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q");
        worker.WaitForLine("Job started RecordSpan");
        var db = Redis.Db;
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory-policy", "noeviction");
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "1");

        worker.WaitForLine("Redis refused reserve: OOM", 15);
        await db.ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        worker.WaitForLine("Redis accepts reserve again", 15);
        await Wait.UntilAsync(async () => (string?)await Redis.Db.StringGetAsync($"{S.Namespace}:stat:processed") == "1", TimeSpan.FromSeconds(10), "the job acked");

        Assert.Single(S.Lines());
        Assert.False(worker.Process.HasExited, "the worker died:\n" + worker.Process.Output);
        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit());
    }
}
