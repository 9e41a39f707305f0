using Pool.Protocol.Working;
using Pool.Worker.Jobs;
using Pool.Worker.Running;
using Microsoft.Extensions.Time.Testing;

namespace Pool.Worker.Tests.Running;

/// <summary>Outcomes of one job, in process, with a manual clock for the TERM deadline.</summary>
public sealed class JobExecutionTests
{
    public sealed class Blocker : IJob
    {
        public static readonly SemaphoreSlim Release = new(0);
        public static readonly SemaphoreSlim Started = new(0);
        public void Perform(string mode)
        {
            Started.Release();
            if (mode == "ignore") Release.Wait(TimeSpan.FromSeconds(20));
        }
    }

    public sealed class Honours : IJob
    {
        public static readonly SemaphoreSlim Started = new(0);
        public async Task PerformAsync(CancellationToken token)
        {
            Started.Release();
            await Task.Delay(Timeout.Infinite, token);
        }
    }

    public sealed class OwnTimeout : IJob
    {
        public Task PerformAsync(CancellationToken token) => Task.Delay(Timeout.Infinite, new CancellationTokenSource(10).Token);
    }

    private static (JobExecution, WorkerControl, FakeTimeProvider) Create(TimeSpan termTimeout)
    {
        var clock = new FakeTimeProvider();
        var control = new WorkerControl(clock);
        var registry = new JobRegistry().Add<Blocker>().Add<Honours>().Add<OwnTimeout>();
        return (new JobExecution(registry, new JobInvoker(null), control, termTimeout), control, clock);
    }

    private static Reservation Job(string payload) => new("rid", "q", payload);

    [Fact(Timeout = 10_000)]
    public async Task Term_requeues_a_job_that_ignores_its_token_only_when_the_deadline_passes()
    {
        var (execution, control, clock) = Create(TimeSpan.FromSeconds(25));
        var run = execution.RunAsync(Job("""{"class":"Blocker","args":["ignore"]}"""));
        Assert.True(await Blocker.Started.WaitAsync(TimeSpan.FromSeconds(5)));

        control.RequestStop(StopMode.Term);
        clock.Advance(TimeSpan.FromSeconds(24));
        await Task.Delay(50); // give a wrong early requeue the chance to show itself
        Assert.False(run.IsCompleted, "requeued before the deadline");

        clock.Advance(TimeSpan.FromSeconds(2));
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Blocker.Release.Release();
        Assert.Equal(JobOutcomeKind.Requeue, outcome.Kind);
        Assert.Contains("TERM deadline (25 s)", outcome.Reason);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_job_cancelled_by_term_is_requeued_not_failed()
    {
        var (execution, control, _) = Create(TimeSpan.FromSeconds(25));
        var run = execution.RunAsync(Job("""{"class":"Honours","args":[]}"""));
        Assert.True(await Honours.Started.WaitAsync(TimeSpan.FromSeconds(5)));
        control.RequestStop(StopMode.Term);
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(JobOutcome.Requeue("cancelled by shutdown"), outcome);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_job_that_times_out_on_its_own_token_is_a_failure()
    {
        var (execution, _, _) = Create(TimeSpan.FromSeconds(25));
        var outcome = await execution.RunAsync(Job("""{"class":"OwnTimeout","args":[]}""")).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(JobOutcomeKind.Failed, outcome.Kind);
        Assert.Equal("System.OperationCanceledException", outcome.Exception);
        Assert.Contains("not by the worker", outcome.Error);
    }

    [Fact]
    public void Stop_modes_only_escalate_so_repeated_or_milder_signals_change_nothing()
    {
        var control = new WorkerControl();
        control.RequestStop(StopMode.Term);
        control.RequestStop(StopMode.Quit);
        control.RequestStop(StopMode.Term);
        Assert.Equal(StopMode.Term, control.Stop);
        Assert.True(control.Shutdown.IsCancellationRequested);
        control.RequestStop(StopMode.Int);
        Assert.Equal(StopMode.Int, control.Stop);
    }
}
