using Pool.Worker.Running;

namespace Pool.Worker.Tests.Running;

public class WorkerControlTests
{
    [Fact]
    public void Usr1_between_reserving_a_job_and_starting_it_aborts_that_job()
    {
        var control = new WorkerControl();
        control.JobReserved();

        Assert.True(control.AbortCurrentJob());
        using var job = control.BeginJob();

        Assert.True(job.Token.IsCancellationRequested);
        control.EndJob();
    }

    [Fact]
    public void Usr1_while_idle_does_not_abort_the_next_job()
    {
        var control = new WorkerControl();

        Assert.False(control.AbortCurrentJob());
        control.JobReserved();
        using var job = control.BeginJob();

        Assert.False(job.Token.IsCancellationRequested);
        control.EndJob();
    }

    [Fact]
    public void Usr1_during_a_job_cancels_only_that_job()
    {
        var control = new WorkerControl();
        control.JobReserved();
        using (var first = control.BeginJob())
        {
            Assert.True(control.AbortCurrentJob());
            Assert.True(first.Token.IsCancellationRequested);
            control.EndJob();
        }

        control.JobReserved();
        using var second = control.BeginJob();
        Assert.False(second.Token.IsCancellationRequested);
        Assert.False(control.Shutdown.IsCancellationRequested);
    }
}
