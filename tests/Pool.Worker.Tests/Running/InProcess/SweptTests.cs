using Pool.Protocol.Working;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>A worker that learns a recovery took its registration (its lease ran out while it was alive).</summary>
public sealed class SweptTests
{
    [Fact(Timeout = 10_000)]
    public async Task A_running_job_whose_worker_is_found_swept_gets_its_token_and_is_neither_acked_nor_requeued()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob(honoursToken: true, liveness: true);
        w.Store.SweptOnNextHeartbeat = true;

        w.UntilArmed(Pool.Worker.Running.Liveness.LeasePeriod);
        w.Advance(Pool.Worker.Running.Liveness.LeasePeriod);

        w.UntilCalls(4);
        Assert.True(job.SawToken);
        // The liveness loop beats and registers again while the lane, its job stopped, reserves the next one without an ack.
        Assert.Equal(["reserve", "heartbeat"], w.Store.Calls.Take(2));
        Assert.Equal(["register", "reserve"], w.Store.Calls.Skip(2).Order());
        Assert.Equal(1, w.Log.Count("Job given up Scripted queue=q"));
        Assert.Equal(1, w.Log.Count("its running job was requeued by the sweep or lost with the data, so its token is cancelled here; registering again"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_reserve_that_finds_the_worker_swept_gives_up_the_finished_job_and_registers_before_taking_another()
    {
        await using var w = new InProcessWorker();
        var job = w.Enqueue();
        var next = w.Enqueue();
        w.StartRunning(job);
        w.Store.ReplyToNextReserve(ReserveResult.Swept);

        job.Finish();

        w.UntilStarted(next);
        Assert.Equal(["reserve", "ack r1, reserve", "register", "reserve"], w.Store.Calls);
        Assert.Equal(1, w.Log.Count("Job given up Scripted queue=q: it finished, but this worker's registration was gone from Redis when it acked"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_stopping_worker_that_finds_itself_swept_leaves_without_registering_again()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.Store.ReplyToNextReserve(ReserveResult.Swept);
        w.Quit();

        job.Finish();

        await w.ExitAsync();
        Assert.Equal(["reserve", "ack r1"], w.Store.Calls);
    }
}
