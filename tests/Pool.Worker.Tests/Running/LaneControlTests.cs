using Pool.Worker.Running;

namespace Pool.Worker.Tests.Running;

/// <summary>The lanes of one process share stop and pause, and each owns its job's token.</summary>
public class LaneControlTests
{
    [Fact]
    public void Usr1_aborts_the_running_job_of_every_lane()
    {
        var process = new WorkerControl();
        var lane = process.NewLane();
        var idle = process.NewLane();
        process.JobReserved();
        lane.JobReserved();
        using var first = process.BeginJob();
        using var second = lane.BeginJob();

        Assert.True(process.AbortJobs());

        Assert.True(first.Token.IsCancellationRequested);
        Assert.True(second.Token.IsCancellationRequested);
        // The idle lane's next job is not aborted by a USR1 that came before it.
        idle.JobReserved();
        using var third = idle.BeginJob();
        Assert.False(third.Token.IsCancellationRequested);
    }

    [Fact]
    public void A_lost_reservation_fires_only_its_own_lanes_job()
    {
        var process = new WorkerControl();
        var lane = process.NewLane();
        process.JobReserved();
        lane.JobReserved();
        using var kept = process.BeginJob();
        using var lost = lane.BeginJob();

        Assert.True(lane.LoseReservation());

        Assert.True(lost.Token.IsCancellationRequested);
        Assert.True(lane.ReservationLost);
        Assert.False(kept.Token.IsCancellationRequested);
        Assert.False(process.ReservationLost);
    }

    [Fact]
    public void Stop_and_pause_reach_every_lane_and_wake_its_waiters()
    {
        var process = new WorkerControl { GiveUpAfterStop = TimeSpan.FromSeconds(3) };
        var lane = process.NewLane();
        var changed = lane.WhenChanged;

        process.Pause(true);
        Assert.True(changed.IsCompleted);
        Assert.True(lane.Paused);

        process.RequestStop(StopMode.Term);
        Assert.Equal(StopMode.Term, lane.Stop);
        Assert.True(lane.Shutdown.IsCancellationRequested);
        Assert.Equal(TimeSpan.FromSeconds(3), lane.GiveUpAfterStop);
        lane.JobReserved();
        using var job = lane.BeginJob();
        Assert.True(job.Token.IsCancellationRequested);
    }
}
