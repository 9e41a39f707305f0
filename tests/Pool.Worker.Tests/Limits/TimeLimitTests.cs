using Pool.Worker.Jobs;
using Pool.Worker.Limits;
using Pool.Worker.Running;
using Microsoft.Extensions.Time.Testing;

namespace Pool.Worker.Tests.Limits;

/// <summary>Time limits on a manual clock: the soft limit fires the token, the hard one abandons the job.</summary>
public sealed class TimeLimitTests
{
    [JobTimeout(2, 4)]
    public sealed class Polite : IJob
    {
        public static readonly SemaphoreSlim Started = new(0);
        public async Task PerformAsync(CancellationToken token)
        {
            Started.Release();
            await Task.Delay(Timeout.Infinite, token);
        }
    }

    public sealed class Deaf : IJob
    {
        public static readonly SemaphoreSlim Started = new(0);
        public static readonly SemaphoreSlim Release = new(0);
        public void Perform()
        {
            Started.Release();
            Release.Wait(TimeSpan.FromSeconds(20));
        }
    }

    private static (JobExecution, WorkerControl, FakeTimeProvider) Create(TimeLimit? groupLimit)
    {
        var clock = new FakeTimeProvider();
        var control = new WorkerControl(clock);
        var registry = new JobRegistry().Add<Polite>().Add<Deaf>();
        return (new JobExecution(registry, new JobInvoker(null), control, TimeSpan.FromSeconds(25), null, groupLimit), control, clock);
    }

    [Fact]
    public void Limits_parse_from_the_environment_with_a_default_grace_for_the_hard_one()
    {
        Assert.True(TimeLimit.TryParse("1.5", out var a, out _));
        Assert.Equal(new TimeLimit(TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(6.5)), a);
        Assert.True(TimeLimit.TryParse("2,3", out var b, out _));
        Assert.Equal(new TimeLimit(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3)), b);
        Assert.False(TimeLimit.TryParse("3,2", out _, out var error));
        Assert.Contains("POOL_JOB_TIMEOUT", error);
        Assert.False(TimeLimit.TryParse("soon", out _, out _));
    }

    [Fact(Timeout = 10_000)]
    public async Task The_soft_limit_of_the_class_attribute_fires_the_token_and_the_job_fails_as_a_timeout_not_a_requeue()
    {
        var (execution, _, clock) = Create(TimeLimit.Of(100));
        var run = execution.RunAsync(new Protocol.Working.Reservation("rid", "q", """{"class":"Polite","args":[]}"""));
        Assert.True(await Polite.Started.WaitAsync(TimeSpan.FromSeconds(5)));
        clock.Advance(TimeSpan.FromSeconds(2));

        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(JobOutcomeKind.Failed, outcome.Kind);
        Assert.Equal("Pool::JobTimeout", outcome.Exception);
        Assert.Contains("soft time limit (soft 2 s, hard 4 s)", outcome.Error);
        Assert.False(outcome.RecycleWorker);
    }

    [Fact(Timeout = 10_000)]
    public async Task A_job_that_ignores_its_token_past_the_hard_limit_fails_and_asks_for_a_fresh_worker()
    {
        var (execution, _, clock) = Create(TimeLimit.Of(1, 3));
        var run = execution.RunAsync(new Protocol.Working.Reservation("rid", "q", """{"class":"Deaf","args":[]}"""));
        Assert.True(await Deaf.Started.WaitAsync(TimeSpan.FromSeconds(5)));
        clock.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(50); // give a wrong early verdict the chance to show itself
        Assert.False(run.IsCompleted);

        clock.Advance(TimeSpan.FromSeconds(1));
        var outcome = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Deaf.Release.Release();
        Assert.Equal("Pool::JobTimeout", outcome.Exception);
        Assert.True(outcome.RecycleWorker);
        Assert.Contains("hard time limit", outcome.Error);
    }
}
