using Pool.Protocol.Working;

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

    /// <summary>
    /// A CONT that came while the pause's own reserve was in flight used to leave the lane
    /// waiting for the next change of state: the worker stayed paused after CONT.
    /// </summary>
    [Fact(Timeout = 10_000)]
    public async Task Cont_while_the_pause_settles_resumes_the_worker()
    {
        await using var w = new InProcessWorker().Start();
        w.UntilIdle();
        var settling = w.Store.HoldNextReserve();

        w.Usr2();
        w.Until(() => w.Store.Calls.Contains("reserve none"), "the pause's reserve");
        w.Cont();
        settling.SetResult(ReserveResult.Acked);

        var job = w.Enqueue();
        w.Waker.Wake();
        w.UntilStarted(job);
        Assert.Equal(0, w.Log.Count(Paused));
    }

    /// <summary>Five lanes used to log "Paused" and "Resumed" five times each.</summary>
    [Fact(Timeout = 10_000)]
    public async Task A_process_of_several_lanes_logs_its_pause_and_resume_once_when_the_last_lane_has_stopped_taking_jobs()
    {
        await using var w = new InProcessWorker(lanes: 3);
        var job = w.Enqueue();
        w.StartRunning(job);
        w.Usr2();
        w.Until(() => w.Lanes.Sum(l => l.Store.Calls.Count(c => c == "reserve none")) == 2, "the idle lanes' pause");
        Assert.Equal(0, w.Log.Count(Paused));

        job.Finish();

        w.Until(() => w.Log.Count(Paused) == 1, "the pause of the whole process");
        w.Cont();
        w.Until(() => w.Log.Count("Resumed") == 1, "the resume");
        var next = w.Enqueue();
        w.Waker.Wake();
        w.UntilStarted(next);
        Assert.Equal(1, w.Log.Count(Paused));
        Assert.Equal(1, w.Log.Count("Resumed"));
    }
}
