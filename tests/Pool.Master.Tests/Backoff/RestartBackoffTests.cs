using Microsoft.Extensions.Time.Testing;
using Pool.Master.Backoff;

namespace Pool.Master.Tests.Backoff;

public sealed class RestartBackoffTests
{
    private static readonly BackoffOptions Options = new(TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
    private readonly FakeTimeProvider _clock = new();
    private readonly RestartBackoff _backoff;

    public RestartBackoffTests() => _backoff = new RestartBackoff(Options, _clock);

    private BackoffStep RunFor(TimeSpan uptime)
    {
        _backoff.Started();
        _clock.Advance(uptime);
        return _backoff.Exited();
    }

    [Fact]
    public void A_first_death_is_replaced_at_once()
    {
        var step = RunFor(TimeSpan.FromSeconds(5));

        Assert.Equal(TimeSpan.Zero, step.Delay);
        Assert.False(step.StartedLooping);
        Assert.False(_backoff.IsLooping);
    }

    [Fact]
    public void Quick_deaths_double_the_delay_from_the_minimum_up_to_the_cap()
    {
        var delays = Enumerable.Range(0, 8).Select(_ => RunFor(TimeSpan.FromMilliseconds(10)).Delay.TotalMilliseconds).ToList();

        Assert.Equal([0, 100, 200, 400, 800, 1600, 2000, 2000], delays);
    }

    [Fact]
    public void Entering_a_crash_loop_is_reported_once()
    {
        var steps = Enumerable.Range(0, 6).Select(_ => RunFor(TimeSpan.FromMilliseconds(10))).ToList();

        Assert.Equal(1, steps.Count(s => s.StartedLooping));
        Assert.True(steps[1].StartedLooping);
        Assert.True(_backoff.IsLooping);
    }

    [Fact]
    public void A_healthy_uptime_resets_the_backoff_and_reports_it_once()
    {
        for (var i = 0; i < 5; i++) RunFor(TimeSpan.FromMilliseconds(10));
        _backoff.Started();

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(_backoff.CheckHealthy());
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(_backoff.CheckHealthy());
        Assert.False(_backoff.CheckHealthy());
        Assert.False(_backoff.IsLooping);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, _backoff.Exited().Delay);
    }

    [Fact]
    public void A_death_after_a_healthy_uptime_starts_counting_again_even_without_a_health_check()
    {
        for (var i = 0; i < 5; i++) RunFor(TimeSpan.FromMilliseconds(10));

        var step = RunFor(TimeSpan.FromSeconds(31));

        Assert.Equal(TimeSpan.Zero, step.Delay);
        Assert.Equal(TimeSpan.FromMilliseconds(100), RunFor(TimeSpan.FromMilliseconds(10)).Delay);
    }
}
