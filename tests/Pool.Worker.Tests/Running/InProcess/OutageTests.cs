using static Pool.Worker.Tests.Running.InProcess.InProcessWorker;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>Redis unreachable while the worker stops: what it owes is retried with backoff until Redis answers or the stop gives up.</summary>
public sealed class OutageTests
{
    /// <summary>The guard's backoff: 50 ms doubling to 2 s.</summary>
    private static readonly int[] Backoff = [50, 100, 200, 400, 800, 1600, 2000, 2000, 2000];

    [Fact(Timeout = 10_000)]
    public async Task A_stopping_worker_retries_its_ack_through_an_outage_until_redis_answers_then_leaves()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.Store.Outage = call => call.StartsWith("ack", StringComparison.Ordinal);
        w.Quit();
        job.Finish();

        foreach (var ms in Backoff[..4]) AdvanceAsArmed(w, TimeSpan.FromMilliseconds(ms));
        w.UntilArmed(TimeSpan.FromMilliseconds(800));
        w.Store.Outage = null;
        w.Advance(TimeSpan.FromMilliseconds(800));

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "0 ms: ack r1 (outage)", "50 ms: ack r1 (outage)", "150 ms: ack r1 (outage)", "350 ms: ack r1 (outage)", "750 ms: ack r1 (outage)", "1550 ms: ack r1"],
            w.Store.Timeline);
        Assert.Equal(1, w.Log.Count("Redis is unreachable (RedisConnectionException); retrying with backoff, no job is lost"));
        Assert.Equal(1, w.Log.Count("Redis is reachable again"));
    }

    [Fact(Timeout = 10_000)]
    public async Task An_outage_that_outlasts_the_stop_ends_the_loop_at_give_up_with_the_job_still_held()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob(honoursToken: true);
        w.Store.Outage = call => call != "reserve";

        w.Term();
        foreach (var ms in Backoff) AdvanceAsArmed(w, TimeSpan.FromMilliseconds(ms));
        // Give-up comes at 11 s, during the wait that would have ended at 11.15 s.
        AdvanceAsArmed(w, TimeSpan.FromSeconds(2));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => w.Main.Run!.WaitAsync(Deadline));
        Assert.Equal(["0 ms: reserve", .. new[] { 0, 50, 150, 350, 750, 1550, 3150, 5150, 7150, 9150 }.Select(t => $"{t} ms: requeue r1 (outage)")],
            w.Store.Timeline);
        Assert.True(w.Control.GiveUp.IsCancellationRequested);
    }

    [Fact(Timeout = 10_000)]
    public async Task After_quit_the_ack_of_a_job_that_outlasts_the_give_up_time_is_still_retried_until_redis_answers()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.Quit();
        w.Advance(TimeSpan.FromMinutes(1));
        w.Store.Outage = call => call.StartsWith("ack", StringComparison.Ordinal);

        job.Finish();
        foreach (var ms in Backoff[..2]) AdvanceAsArmed(w, TimeSpan.FromMilliseconds(ms));
        w.UntilArmed(TimeSpan.FromMilliseconds(200));
        w.Store.Outage = null;
        w.Advance(TimeSpan.FromMilliseconds(200));

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "60000 ms: ack r1 (outage)", "60050 ms: ack r1 (outage)", "60150 ms: ack r1 (outage)", "60350 ms: ack r1"], w.Store.Timeline);
        Assert.False(w.Control.GiveUp.IsCancellationRequested);
    }

    [Fact(Timeout = 10_000)]
    public async Task An_idle_worker_retrying_its_reserve_through_an_outage_stops_at_once_on_term()
    {
        await using var w = new InProcessWorker();
        w.Store.Outage = _ => true;
        w.Start();
        AdvanceAsArmed(w, TimeSpan.FromMilliseconds(50));
        w.UntilArmed(TimeSpan.FromMilliseconds(100));

        w.Term();

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve (outage)", "50 ms: reserve (outage)"], w.Store.Timeline);
    }

    /// <summary>Waits until the next retry is armed <paramref name="delay"/> from now, then moves the clock to it.</summary>
    private static void AdvanceAsArmed(InProcessWorker w, TimeSpan delay)
    {
        w.UntilArmed(delay);
        w.Advance(delay);
    }
}
