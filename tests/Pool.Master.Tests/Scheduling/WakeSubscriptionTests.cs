using Pool.Master.Scheduling;
using Pool.Testing;

namespace Pool.Master.Tests.Scheduling;

/// <summary>The wake-up subscription's own rules, with the subscribe call scripted.</summary>
public sealed class WakeSubscriptionTests
{
    private readonly LogCapture _log = new();

    private WakeSubscription Failing(Exception e) => new(() => Task.FromException(e), "resque:pool:scheduler:wake", TimeSpan.FromSeconds(1), _log.Logger);

    [Fact]
    public async Task A_failure_while_running_is_one_warning_however_often_it_repeats()
    {
        var wake = Failing(new TimeoutException("The operation has timed out."));
        await wake.EnsureAsync(CancellationToken.None);
        await wake.EnsureAsync(CancellationToken.None);
        Assert.Equal(1, _log.Count("could not subscribe"));
    }

    /// <summary>
    /// At the master's stop with Redis unreachable, the connection is disposed under a pending
    /// subscribe: that was a warning about a disposed object after the drain report.
    /// </summary>
    [Fact]
    public async Task A_failure_after_the_stop_says_nothing()
    {
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();
        await Failing(new ObjectDisposedException("ConnectionMultiplexer")).EnsureAsync(stop.Token);
        Assert.Empty(_log.Lines);
    }
}
