using Mono.Unix.Native;
using Pool.Protocol.Payloads;
using Pool.Protocol.Producing;
using Pool.Protocol.Recovery;
using Pool.Testing;
using Pool.Worker.Iteration;
using Pool.Worker.Tests.Support;
using StackExchange.Redis;

namespace Pool.Worker.Tests.Iteration;

[Collection(RedisCollection.Name)]
public sealed class IterationResumeTests(RedisFixture redis) : IDisposable
{
    private const int N = 60;
    private readonly Scratch _s = new();
    private IDatabase Db => redis.Server.Db;
    private Producer Producer => new(redis.Server.Connection, _s.Namespace);

    private async Task<string[]> Queue(string q) => (await Db.ListRangeAsync(_s.Keys.Queue(q))).Select(v => (string)v!).ToArray();

    private int[] Numbers() => _s.Lines().Select(int.Parse).ToArray();

    [Fact(Timeout = 30_000)]
    public async Task Term_mid_iteration_requeues_with_the_cursor_and_a_new_worker_finishes_every_item_exactly_once()
    {
        await Producer.EnqueueRawAsync("q", $$"""{"class":"CountTo","args":[{{N}},{{ResqueJson.Quote(_s.File)}},25],"extra":"kept/é"}""");
        using (var first = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q"))
        {
            await Wait.UntilAsync(() => _s.Lines().Length >= 10, because: "ten items done");
            first.Signal(Signum.SIGTERM);
            Assert.Equal(0, first.WaitForExit());
            first.WaitForLine("Iteration interrupted CountTo");
        }

        var requeued = Assert.Single(await Queue("q"));
        Assert.StartsWith($$"""{"class":"CountTo","args":[{{N}},{{ResqueJson.Quote(_s.File)}},25],"extra":"kept/é","pool_iteration":{"cursor":""", requeued);
        var state = IterationState.Read(requeued);
        Assert.Equal(1, state.Interruptions);
        Assert.Equal(_s.Lines().Length, int.Parse(state.Cursor!));
        Assert.DoesNotContain("pool_attempts", requeued); // a graceful stop is not a death

        using var second = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        second.WaitForLine("Iteration completed CountTo", 15);
        Assert.Equal(Enumerable.Range(0, N), Numbers());
        Assert.Empty(await Queue("q"));
        // The ack travels with the worker's next call to Redis, just after the log line.
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == 1, because: "the job was acked once");
    }

    [Fact(Timeout = 30_000)]
    public async Task Kill_9_mid_iteration_resumes_from_the_checkpoint_repeating_at_most_the_item_in_flight()
    {
        await Producer.EnqueueAsync("q", "CountTo", N, _s.File, 25);
        using (var first = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q"))
        {
            await Wait.UntilAsync(() => _s.Lines().Length >= 10, because: "ten items done");
            first.Signal(Signum.SIGKILL);
            first.WaitForExit();
            var outcome = await new RedisMasterStore(redis.Server.Connection, _s.Namespace).RecoverWorkerAsync(first.WorkerId);
            Assert.Equal(RecoveryAction.Requeued, outcome.Action);
        }

        var recovered = Assert.Single(await Queue("q"));
        Assert.Contains("\"pool_attempts\":1", recovered);
        var cursor = int.Parse(IterationState.Read(recovered).Cursor!);
        Assert.InRange(cursor, _s.Lines().Length - 1, _s.Lines().Length);

        using var second = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        second.WaitForLine("Iteration completed CountTo", 15);
        var numbers = Numbers();
        Assert.Equal(Enumerable.Range(0, N), numbers.Distinct().Order());
        Assert.InRange(numbers.Length - N, 0, 1);
    }

    [Fact(Timeout = 30_000)]
    public async Task A_job_past_its_slice_requeues_itself_and_still_does_every_item_once()
    {
        await Producer.EnqueueAsync("q", "CountToInSlices", 30, _s.File, 20, 150, 0);
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        worker.WaitForLine("Iteration completed CountToInSlices", 20);

        Assert.Equal(Enumerable.Range(0, 30), Numbers());
        Assert.True(worker.Process.CountLines("Iteration interrupted CountToInSlices") >= 2, worker.Process.Output);
        Assert.Contains("ms used up", worker.Process.Output);
        // The ack travels with the worker's next call to Redis, just after the log line.
        await Wait.UntilAsync(async () => (long)await Db.StringGetAsync(_s.Keys.StatProcessed) == 1, because: "the job was acked once");
        Assert.Equal(0, (long)await Db.StringGetAsync(_s.Keys.StatFailed));
    }

    [Fact(Timeout = 30_000)]
    public async Task A_job_interrupted_more_often_than_its_resumption_limit_fails_with_a_clear_message()
    {
        await Producer.EnqueueAsync("q", "CountToInSlices", 1000, _s.File, 10, 100, 2);
        using var worker = WorkerProcess.Start(redis.Server.Url, _s.Namespace, "q");
        worker.WaitForLine("outcome=failed Pool::IterationLimit", 20);

        var failure = (string)(await Db.ListGetByIndexAsync(_s.Keys.Failed, 0))!;
        Assert.Contains("\"exception\":\"Pool::IterationLimit\"", failure);
        Assert.Contains("interrupted 3 times", failure);
        Assert.Contains("over its limit of 2 resumptions", failure);
        Assert.Contains("\"interruptions\":3", failure);
        Assert.Empty(await Queue("q"));
        // Items run so far were each done once: the slices resumed where they stopped.
        var numbers = Numbers();
        Assert.Equal(Enumerable.Range(0, numbers.Length), numbers);
    }

    public void Dispose() => _s.Dispose();
}
