using Pool.Protocol.Working;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>
/// A signal that lands while a reserve is in flight is acted on when its reply comes: the loop
/// neither sleeps through it in an idle wait nor starts the job the reply brings.
/// </summary>
public sealed class ReserveInFlightTests
{
    [Fact(Timeout = 10_000)]
    public async Task Term_during_a_reserve_that_finds_nothing_stops_without_an_idle_wait()
    {
        await using var w = new InProcessWorker();
        var reply = w.Store.HoldNextReserve();
        w.Start();

        w.Term();
        reply.SetResult(ReserveResult.Empty);

        await w.ExitAsync();
        Assert.Equal(["reserve"], w.Store.Calls);
        Assert.Equal(0, w.Waker.Waits);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("QUIT")]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_stop_during_a_reserve_that_brings_a_job_puts_the_job_back_without_starting_it(string signal)
    {
        await using var w = new InProcessWorker();
        var reply = w.Store.HoldNextReserve();
        w.Start();
        var job = w.NewJob();

        switch (signal)
        {
            case "QUIT": w.Quit(); break;
            case "TERM": w.Term(); break;
            default: w.Int(); break;
        }
        reply.SetResult(ReserveResult.Of(new Reservation("r1", "q", job.Payload)));

        await w.ExitAsync();
        Assert.Equal(["reserve", "requeue r1"], w.Store.Calls);
        Assert.False(job.HasStarted);
        Assert.Equal(1, w.Log.Count($"Job not started Scripted queue=q: {signal} came while it was being reserved; requeued"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Usr2_during_a_reserve_that_finds_nothing_pauses_without_an_idle_wait()
    {
        await using var w = new InProcessWorker();
        var reply = w.Store.HoldNextReserve();
        w.Start();

        w.Usr2();
        reply.SetResult(ReserveResult.Empty);

        w.Until(() => w.Log.Count("Paused: taking no new jobs until CONT") == 1, "the pause");
        Assert.Equal(["reserve", "reserve none"], w.Store.Calls);
        Assert.Equal(0, w.Waker.Waits);
    }

    [Fact(Timeout = 10_000)]
    public async Task Usr2_during_a_reserve_that_brings_a_job_puts_the_job_back_and_pauses()
    {
        await using var w = new InProcessWorker();
        var reply = w.Store.HoldNextReserve();
        w.Start();
        var job = w.NewJob();

        w.Usr2();
        reply.SetResult(ReserveResult.Of(new Reservation("r1", "q", job.Payload)));

        w.Until(() => w.Log.Count("Paused: taking no new jobs until CONT") == 1, "the pause");
        Assert.Equal(["reserve", "requeue r1", "reserve none"], w.Store.Calls);
        Assert.False(job.HasStarted);
        Assert.Equal(1, w.Log.Count("Job not started Scripted queue=q: USR2 came while it was being reserved; requeued"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_job_handed_over_while_idle_runs_and_its_ack_goes_with_the_next_reserve()
    {
        await using var w = new InProcessWorker().Start();
        w.UntilIdle();
        var job = w.NewJob();

        w.Waker.HandOff(new Reservation("h1", "q", job.Payload));
        w.UntilStarted(job);
        job.Finish();

        w.UntilCalls(2);
        w.Until(() => w.Waker.Waits == 2, "the next idle wait");
        Assert.Equal(["reserve", "ack h1, reserve"], w.Store.Calls);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_wake_ends_the_idle_wait_and_the_next_reserve_takes_the_job()
    {
        await using var w = new InProcessWorker().Start();
        w.UntilIdle();
        var job = w.Enqueue();

        w.Waker.Wake();

        w.UntilStarted(job);
        Assert.Equal(["reserve", "reserve"], w.Store.Calls);
    }
}
