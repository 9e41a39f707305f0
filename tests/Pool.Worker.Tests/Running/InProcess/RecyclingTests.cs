using Pool.Worker.Limits;
using static Pool.Worker.Tests.Running.InProcess.InProcessWorker;

namespace Pool.Worker.Tests.Running.InProcess;

/// <summary>A worker that stops on its own: a job past its hard time limit, or max_jobs spent.</summary>
public sealed class RecyclingTests
{
    [Fact(Timeout = 10_000)]
    public async Task A_job_that_ignores_its_token_past_the_hard_limit_is_failed_and_the_worker_recycles()
    {
        await using var w = new InProcessWorker(jobTimeout: TimeLimit.Of(2, 3));
        var job = w.Enqueue();
        w.Enqueue();
        w.StartRunning(job);

        w.UntilArmed(TimeSpan.FromSeconds(3));
        w.Advance(TimeSpan.FromSeconds(2));
        w.Until(() => job.SawToken, "the soft limit to fire the job's token");
        w.Advance(TimeSpan.FromSeconds(1) - Tick);
        Assert.Equal(["reserve"], w.Store.Calls);
        w.Advance(Tick);

        await w.ExitAsync();
        Assert.Equal(["0 ms: reserve", "3000 ms: fail r1 Pool::JobTimeout"], w.Store.Timeline);
        // As INT, not QUIT: the job past its hard limit runs on until the process exits, so no other lane may hold the worker up.
        Assert.Equal(Pool.Worker.Running.StopMode.Int, w.Control.Stop);
        Assert.Equal(1, w.Queue.Count);
        Assert.Equal(1, w.Log.Count("Recycling this worker: job Scripted queue=q ignored its token past its hard time limit"));
    }

    [Fact(Timeout = 10_000)]
    public async Task A_job_that_stops_at_its_soft_limit_is_failed_and_the_worker_goes_on()
    {
        await using var w = new InProcessWorker(jobTimeout: TimeLimit.Of(2, 3));
        var job = w.Enqueue(honoursToken: true);
        var next = w.Enqueue();
        w.StartRunning(job);

        w.UntilArmed(TimeSpan.FromSeconds(2));
        w.Advance(TimeSpan.FromSeconds(2));

        w.UntilStarted(next);
        Assert.Equal(["0 ms: reserve", "2000 ms: fail r1 Pool::JobTimeout", "2000 ms: reserve"], w.Store.Timeline);
        Assert.Equal(Pool.Worker.Running.StopMode.None, w.Control.Stop);
    }

    [Fact(Timeout = 10_000)]
    public async Task Max_jobs_acks_the_last_job_and_leaves_without_taking_another()
    {
        await using var w = new InProcessWorker(maxJobs: 2);
        var first = w.Enqueue();
        var second = w.Enqueue();
        w.Enqueue();
        w.StartRunning(first);
        first.Finish();
        w.UntilStarted(second);

        second.Finish();

        await w.ExitAsync();
        Assert.Equal(["reserve", "ack r1, reserve", "ack r2"], w.Store.Calls);
        Assert.Equal(1, w.Queue.Count);
        Assert.Equal(1, w.Log.Count("Recycling this worker: max_jobs=2 reached"));
    }

    /// <summary>A new user's trial: TERM to a max_jobs worker logged "max_jobs reached" for the job it then put back.</summary>
    [Fact(Timeout = 10_000)]
    public async Task A_job_put_back_on_term_does_not_spend_max_jobs()
    {
        await using var w = new InProcessWorker(maxJobs: 1);
        w.RunJob(honoursToken: true);

        w.Term();

        await w.ExitAsync();
        Assert.Contains("requeue r1", w.Store.Calls);
        Assert.Equal(0, w.Log.Count("max_jobs"));
    }

    [Fact(Timeout = 10_000)]
    public async Task Max_jobs_with_three_lanes_stops_every_lane_once_spent_and_each_finishes_its_own_job()
    {
        await using var w = new InProcessWorker(lanes: 3, maxJobs: 2);
        var jobs = Enumerable.Range(0, 4).Select(_ => w.Enqueue()).ToList();
        w.Start();
        w.Until(() => jobs.Count(j => j.HasStarted) == 3, "three lanes to run a job each");
        var running = jobs.Where(j => j.HasStarted).ToList();
        var fourth = jobs.Single(j => !j.HasStarted);

        // One lane finishes: it acks and takes the fourth job. Another finishes: max_jobs is spent.
        running[0].Finish();
        w.UntilStarted(fourth);
        running[1].Finish();
        w.Until(() => w.Lanes.Count(l => l.HasExited) == 1, "the lane that spent the budget to leave");
        var late = w.Enqueue();
        running[2].Finish();
        fourth.Finish();

        await w.ExitAsync();
        Assert.False(late.HasStarted);
        Assert.Equal(1, w.Queue.Count);
        // Each lane leaves with a bare ack; only the first took a job after its first.
        Assert.All(w.Lanes, l => Assert.Matches("^ack r[1-4]$", l.Store.Calls[^1]));
        Assert.Equal([2, 2, 3], w.Lanes.Select(l => l.Store.Calls.Count).Order());
        Assert.Equal(1, w.Log.Count("Recycling this worker: max_jobs=2 reached"));
    }
}
