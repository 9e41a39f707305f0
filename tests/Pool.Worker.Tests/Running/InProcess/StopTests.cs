using static Pool.Worker.Tests.Running.InProcess.InProcessWorker;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>The worker's stops, in process: QUIT finishes the job, TERM fires its token and waits to the deadline, INT abandons it.</summary>
public sealed class StopTests
{
    [Fact(Timeout = 10_000)]
    public async Task Quit_lets_the_running_job_finish_however_long_it_takes_then_acks_it_and_leaves()
    {
        await using var w = new InProcessWorker();
        var job = w.Enqueue();
        w.Enqueue();
        w.StartRunning(job);

        w.Quit();
        w.Advance(TimeSpan.FromHours(1));
        Assert.False(job.SawToken);
        Assert.False(w.Main.HasExited);

        job.Finish();
        await w.ExitAsync();
        Assert.Equal(["reserve", "ack r1"], w.Store.Calls);
        Assert.Equal(1, w.Queue.Count);
        Assert.Equal(1, w.Log.Count("Job done Scripted queue=q duration=3600000.0ms outcome=completed"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Quit_while_idle_leaves_at_once_without_reserving_again()
    {
        await using var w = new InProcessWorker().Start();
        w.UntilIdle();

        w.Quit();

        await w.ExitAsync();
        Assert.Equal(["reserve"], w.Store.Calls);
        Assert.Equal(1, w.Waker.Waits);
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_fires_the_token_and_a_job_that_stops_is_requeued_at_once()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob(honoursToken: true);

        w.Term();

        await w.ExitAsync();
        Assert.True(job.SawToken);
        Assert.Equal(["0 ms: reserve", "0 ms: requeue r1"], w.Store.Timeline);
        Assert.Equal(1, w.Log.Count("outcome=requeued (cancelled by shutdown)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_waits_for_a_job_that_ignores_its_token_until_the_term_timeout_then_requeues_it()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();

        w.TermUntilDeadlineArmed();
        Assert.True(job.SawToken);
        w.Advance(TermTimeout - Tick);
        Assert.Equal(["reserve"], w.Store.Calls);
        w.Advance(Tick);

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "10000 ms: requeue r1"], w.Store.Timeline);
        Assert.False(job.HasEnded);
        Assert.Equal(1, w.Log.Count("outcome=requeued (still running at the TERM deadline (10 s))"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_a_job_that_finishes_before_the_deadline_is_acked_not_requeued()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.TermUntilDeadlineArmed();
        w.Advance(TimeSpan.FromSeconds(4));

        job.Finish();

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "4000 ms: ack r1"], w.Store.Timeline);
    }

    [Fact(Timeout = 10_000)]
    public async Task Int_abandons_a_job_that_ignores_its_token_at_once_and_requeues_it()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();

        w.Int();

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "0 ms: requeue r1"], w.Store.Timeline);
        Assert.True(job.SawToken);
        Assert.False(job.HasEnded);
        Assert.Equal(1, w.Log.Count("outcome=requeued (aborted by INT)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Int_after_term_abandons_the_job_at_once_instead_of_waiting_out_the_deadline()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.TermUntilDeadlineArmed();
        w.Advance(TimeSpan.FromSeconds(3));

        w.Int();

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "3000 ms: requeue r1"], w.Store.Timeline);
        Assert.Equal(1, w.Log.Count("outcome=requeued (aborted by INT)"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_second_term_keeps_the_deadline_of_the_first()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.TermUntilDeadlineArmed();
        w.Advance(TimeSpan.FromSeconds(4));

        w.Term();
        w.UntilArmed(TimeSpan.FromSeconds(6));
        w.Advance(TimeSpan.FromSeconds(6) - Tick);
        Assert.Equal(["reserve"], w.Store.Calls);
        w.Advance(Tick);

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "10000 ms: requeue r1"], w.Store.Timeline);
    }

    [Fact(Timeout = 10_000)]
    public async Task Term_after_quit_fires_the_token_and_counts_the_deadline_from_the_term()
    {
        await using var w = new InProcessWorker();
        var job = w.RunJob();
        w.Quit();
        w.Advance(TimeSpan.FromSeconds(5));
        Assert.False(job.SawToken);

        w.TermUntilDeadlineArmed();
        Assert.True(job.SawToken);
        w.Advance(TermTimeout);

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "15000 ms: requeue r1"], w.Store.Timeline);
    }

    [Fact(Timeout = 10_000)]
    public async Task Usr1_aborts_only_the_running_job_which_is_requeued_and_the_worker_goes_on()
    {
        await using var w = new InProcessWorker();
        var job = w.Enqueue(honoursToken: true);
        var next = w.Enqueue();
        w.StartRunning(job);

        w.Usr1();

        w.UntilStarted(next);
        Assert.Equal(["reserve", "requeue r1", "reserve"], w.Store.Calls);
        Assert.Equal(1, w.Log.Count("outcome=requeued (aborted by USR1)"));
        Assert.Equal(Pool.Worker.Running.StopMode.None, w.Control.Stop);
    }
}
