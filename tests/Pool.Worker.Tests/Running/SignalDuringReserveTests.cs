using System.Diagnostics;
using Mono.Unix.Native;
using Pool.Protocol.Producing;
using Pool.Testing;
using Pool.Worker.Tests.Support;

namespace Pool.Worker.Tests.Running;

/// <summary>
/// A signal that lands while the worker's reserve is in flight must not be slept through in the
/// idle wait that follows. Runs on its own redis-server, because it pauses every client of it.
/// </summary>
public sealed class SignalDuringReserveTests : PrivateRedisTest
{

    [Fact(Timeout = 60_000)]
    public async Task Term_that_arrives_during_a_reserve_stops_the_worker_without_waiting_out_the_poll()
    {
        using var worker = await WorkerInReserveAsync();

        var clock = Stopwatch.StartNew();
        worker.Signal(Signum.SIGTERM);
        Assert.Equal(0, worker.WaitForExit(seconds: 15));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"TERM during a reserve took {clock.Elapsed.TotalSeconds:0.0} s: the worker slept through it");
    }

    [Fact(Timeout = 60_000)]
    public async Task Usr2_that_arrives_during_a_reserve_pauses_the_worker_before_anyone_hands_it_a_job()
    {
        using var worker = await WorkerInReserveAsync();
        worker.Signal(Signum.SIGUSR2);
        worker.WaitForLine("Paused: taking no new jobs");

        await new Producer(Redis.Connection, S.Namespace).EnqueueAsync("q", "Record", S.File, "while-paused");
        // A negative check needs a window: a worker that took the job would have run it by then.
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(S.Lines());
        Assert.Equal(1, await Redis.Db.ListLengthAsync(S.Keys.Queue("q")));

        worker.Signal(Signum.SIGCONT);
        await Wait.UntilAsync(() => S.Lines().Contains("while-paused"), because: "CONT to resume the worker");
    }

    [Theory(Timeout = 60_000)]
    [InlineData(Signum.SIGTERM)]
    [InlineData(Signum.SIGQUIT)]
    public async Task A_stop_during_a_reserve_that_takes_a_job_puts_the_job_back_without_starting_it(Signum signal)
    {
        var payload = System.Text.Json.JsonSerializer.Serialize(new { @class = "Record", args = new[] { S.File, "taken-during-stop" } });
        using var worker = await WorkerInReserveAsync(payload);

        worker.Signal(signal);

        Assert.Equal(0, worker.WaitForExit(seconds: 15));
        Assert.Empty(S.Lines());
        Assert.Equal([payload], (await Redis.Db.ListRangeAsync(S.Keys.Queue("q"))).Select(v => (string)v!));
        worker.WaitForLine("Job not started Record queue=q");
    }

    /// <summary>
    /// An idle worker whose next reserve is held in Redis: a wake token ends its idle wait and, in
    /// the same transaction, CLIENT PAUSE holds the reserve that follows, so a signal sent now
    /// certainly lands while the reserve is in flight. The pause ends after 2 s. With a 30 s
    /// fallback poll, a worker that slept through the signal would show it for 30 s.
    /// </summary>
    /// <param name="job">A payload pushed (the Resque way, no wake token of its own) just before the wake, so the held reserve takes it.</param>
    private async Task<WorkerProcess> WorkerInReserveAsync(string? job = null)
    {
        var worker = WorkerProcess.Start(Redis.Url, S.Namespace, "q", new Dictionary<string, string?> { ["POOL_POLL_INTERVAL"] = "30" });
        await Wait.UntilAsync(async () => await RedisClients.IsBlockedAsync(Redis.Db, "pool-worker-wait", "blpop"), because: "the worker to wait idle");
        var tx = Redis.Db.CreateTransaction();
        if (job is not null) _ = tx.ListRightPushAsync(S.Keys.Queue("q"), job);
        _ = tx.ListRightPushAsync(S.Keys.Wake("q"), "1");
        _ = tx.ExecuteAsync("CLIENT", "PAUSE", "2000", "WRITE");
        Assert.True(await tx.ExecuteAsync());
        await Wait.UntilAsync(async () => await RedisClients.IsBlockedAsync(Redis.Db, "pool-worker", "evalsha"), because: "the worker's reserve to be held by the pause");
        return worker;
    }
}
