namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>USR2 and CONT, and resque:pause-all-workers: a paused worker takes no job and leaves the idle set.</summary>
public sealed class PauseTests
{
    private const string Paused = "Paused: taking no new jobs until CONT";

    [Fact(Timeout = 10_000)]
    public async Task Usr2_while_idle_leaves_the_idle_set_and_takes_nothing_until_cont()
    {
        await using var w = new InProcessWorker().Start();
        w.UntilIdle();

        w.Usr2();
        w.Until(() => w.Log.Count(Paused) == 1, "the pause");
        var job = w.Enqueue();
        Assert.Equal(["reserve", "reserve none"], w.Store.Calls);

        w.Cont();
        w.UntilStarted(job);
        Assert.Equal(["reserve", "reserve none", "reserve"], w.Store.Calls);
        Assert.Equal(1, w.Log.Count("Resumed"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Usr2_while_a_job_runs_lets_it_finish_acks_it_and_then_pauses()
    {
        await using var w = new InProcessWorker();
        var job = w.Enqueue();
        var next = w.Enqueue();
        w.StartRunning(job);

        w.Usr2();
        Assert.False(job.SawToken);
        job.Finish();

        w.Until(() => w.Log.Count(Paused) == 1, "the pause");
        Assert.Equal(["reserve", "ack r1", "reserve none"], w.Store.Calls);
        w.Cont();
        w.UntilStarted(next);
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_while_paused_leaves_at_once()
    {
        await using var w = new InProcessWorker().Start();
        w.UntilIdle();
        w.Usr2();
        w.Until(() => w.Log.Count(Paused) == 1, "the pause");

        w.Term();

        await w.ExitAsync();
        Assert.Equal(["reserve", "reserve none"], w.Store.Calls);
    }

    [Fact(Timeout = 10_000)]
    public async Task Pause_all_workers_keeps_the_worker_waiting_like_an_idle_one_until_a_wake_finds_it_lifted()
    {
        await using var w = new InProcessWorker();
        w.Store.PausedAll = true;
        var job = w.Enqueue();
        w.Start();
        w.UntilIdle();
        Assert.False(job.HasStarted);

        w.Store.PausedAll = false;
        w.Waker.Wake();

        w.UntilStarted(job);
        Assert.Equal(["reserve", "reserve"], w.Store.Calls);
    }
}
